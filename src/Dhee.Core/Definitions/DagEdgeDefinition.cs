namespace Dhee.Definitions;

/// <summary>An edge from one node to another, carrying one or more bindings.</summary>
public sealed record DagEdgeDefinition
{
    /// <summary>Gets the edge id, unique within the definition.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the id of the upstream node.</summary>
    public required string From { get; init; }

    /// <summary>Gets the id of the downstream node.</summary>
    public required string To { get; init; }

    /// <summary>Gets the bindings: which upstream output feeds which downstream input handle.</summary>
    public IReadOnlyList<DagEdgeBinding> Bindings { get; init; } = [];
}
