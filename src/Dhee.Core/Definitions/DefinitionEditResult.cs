using System.Diagnostics.CodeAnalysis;

namespace Dhee.Definitions;

/// <summary>The outcome of one <see cref="DefinitionEditor"/> mutation: the definition after it, or why it was rejected.</summary>
public sealed record DefinitionEditResult
{
    private DefinitionEditResult(DagDefinition definition, string? error)
    {
        Definition = definition;
        Error = error;
    }

    /// <summary>Gets a value indicating whether the mutation was applied.</summary>
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Error is null;

    /// <summary>Gets the definition after the mutation (unchanged when it was rejected).</summary>
    public DagDefinition Definition { get; }

    /// <summary>Gets why the mutation was rejected, or null when it was applied.</summary>
    public string? Error { get; }

    internal static DefinitionEditResult Applied(DagDefinition definition) => new(definition, null);

    internal static DefinitionEditResult Rejected(DagDefinition definition, string error) => new(definition, error);
}
