namespace Dhee.Definitions;

/// <summary>
/// A DAG definition as a designer edits it: nodes, and edges whose bindings wire an upstream output key to a
/// downstream input key. Edit it with <see cref="DefinitionEditor"/>, which keeps list-port indices compact and
/// <see cref="DagNodeDefinition.DependsOn"/> in step with the edges; run it by converting it with
/// <see cref="DefinitionBundleConverter"/>.
/// </summary>
public sealed record DagDefinition
{
    /// <summary>Gets the definition id.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the definition's version.</summary>
    public string Version { get; init; } = "0.0.0";

    /// <summary>Gets the id of the node whose output is the result, or null when the definition has exactly one sink node.</summary>
    public string? Goal { get; init; }

    /// <summary>Gets the name shown to people.</summary>
    public string? DisplayName { get; init; }

    /// <summary>Gets the nodes.</summary>
    public IReadOnlyList<DagNodeDefinition> Nodes { get; init; } = [];

    /// <summary>Gets the edges.</summary>
    public IReadOnlyList<DagEdgeDefinition> Edges { get; init; } = [];

    /// <summary>Finds a node by id.</summary>
    /// <param name="nodeId">The node id.</param>
    /// <returns>The node, or null.</returns>
    public DagNodeDefinition? FindNode(string nodeId) => Nodes.FirstOrDefault(n => n.Id == nodeId);

    /// <summary>Finds an edge by id.</summary>
    /// <param name="edgeId">The edge id.</param>
    /// <returns>The edge, or null.</returns>
    public DagEdgeDefinition? FindEdge(string edgeId) => Edges.FirstOrDefault(e => e.Id == edgeId);
}
