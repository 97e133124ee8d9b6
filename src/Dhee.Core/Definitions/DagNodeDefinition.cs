using System.Text.Json.Nodes;
using Dhee.Bundles;

namespace Dhee.Definitions;

/// <summary>One node of a <see cref="DagDefinition"/>: the runner it uses, its configuration and its ports.</summary>
public sealed record DagNodeDefinition
{
    /// <summary>Gets the node id, unique within the definition.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the tool id of the runner, for example <c>llm.generate</c>.</summary>
    public required string Tool { get; init; }

    /// <summary>Gets the runner configuration.</summary>
    public JsonObject Config { get; init; } = [];

    /// <summary>Gets the input ports. A port with <see cref="DagPortDefinition.IsList"/> accepts many bindings as <c>key[index]</c>.</summary>
    public IReadOnlyList<DagPortDefinition> Inputs { get; init; } = [];

    /// <summary>Gets the output ports.</summary>
    public IReadOnlyList<DagPortDefinition> Outputs { get; init; } = [];

    /// <summary>Gets the ids of the nodes this node depends on. Recomputed from the edges by every edit.</summary>
    public IReadOnlyList<string> DependsOn { get; init; } = [];

    /// <summary>Gets whether the node has one instance or one per upstream item.</summary>
    public NodeKind Kind { get; init; } = NodeKind.Stage;

    /// <summary>Gets, for collections, the upstream node whose output defines the items.</summary>
    public string? ItemSource { get; init; }

    /// <summary>Gets, for collections, the property of the upstream JSON that holds the item array.</summary>
    public string? ItemKey { get; init; }

    /// <summary>Gets the output format.</summary>
    /// <value>The default value is <see cref="OutputFormat.Json"/>.</value>
    public OutputFormat OutputFormat { get; init; } = OutputFormat.Json;

    /// <summary>Gets the project-relative output path pattern, or null for <c>outputs/{{node_id}}</c> plus the format's extension.</summary>
    public string? OutputPattern { get; init; }

    /// <summary>Gets the name shown to people.</summary>
    public string? DisplayName { get; init; }

    /// <summary>Finds an input port by key.</summary>
    /// <param name="key">The port key.</param>
    /// <returns>The port, or null.</returns>
    public DagPortDefinition? FindInput(string key) => Inputs.FirstOrDefault(p => p.Key == key);
}
