namespace Dhee.Definitions;

/// <summary>An input or output port of a node.</summary>
public sealed record DagPortDefinition
{
    /// <summary>Gets the port key, unique among the node's inputs (or outputs).</summary>
    public required string Key { get; init; }

    /// <summary>
    /// Gets a value indicating whether the port accepts many bindings. A list port's handles are <c>key[0]</c>,
    /// <c>key[1]</c>, …: one per binding plus one placeholder for the next connection.
    /// </summary>
    public bool IsList { get; init; }

    /// <summary>Gets the kind of value the port carries (for example <c>text</c>, <c>image</c>), if declared.</summary>
    public string? Type { get; init; }

    /// <summary>Gets the label shown to people.</summary>
    public string? Label { get; init; }
}
