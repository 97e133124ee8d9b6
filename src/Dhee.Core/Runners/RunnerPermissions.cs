namespace Dhee.Runners;

/// <summary>What a plugin declares it needs. Declarative: shown to people and checked by hosts that choose to.</summary>
public sealed record RunnerPermissions
{
    /// <summary>Gets the host names the runner contacts.</summary>
    public IReadOnlyList<string> Network { get; init; } = [];

    /// <summary>Gets the file-system reach: <c>project</c>, <c>temp</c> or <c>none</c>.</summary>
    public string FileSystem { get; init; } = "project";

    /// <summary>Gets a value indicating whether the runner starts processes.</summary>
    public bool Subprocess { get; init; }

    /// <summary>Gets the environment variables the runner reads.</summary>
    public IReadOnlyList<string> Environment { get; init; } = [];
}
