using System.Text.Json.Nodes;

namespace Dhee.Bundles;

/// <summary>One node of a bundle: its inputs, its output and the runner that produces it.</summary>
public sealed record BundleNode
{
    /// <summary>Gets the node id, unique within the bundle.</summary>
    public required string Id { get; init; }

    /// <summary>Gets whether the node has one instance or one per upstream item.</summary>
    public NodeKind Kind { get; init; } = NodeKind.Stage;

    /// <summary>Gets, for collections, the upstream node whose output (or items) defines this node's items.</summary>
    public string? ItemSource { get; init; }

    /// <summary>Gets, for collections, the property of the upstream JSON that holds the item array.</summary>
    public string? ItemKey { get; init; }

    /// <summary>Gets a value indicating whether an empty item list is allowed (zero instances) instead of failing.</summary>
    public bool AllowEmptyItems { get; init; }

    /// <summary>Gets the node's inputs.</summary>
    public IReadOnlyList<NodeInput> Inputs { get; init; } = [];

    /// <summary>Gets where and in what format the node writes its output.</summary>
    public required NodeOutputs Outputs { get; init; }

    /// <summary>Gets the runner and its configuration.</summary>
    public required NodeRunner Runner { get; init; }

    /// <summary>Gets the name shown to people.</summary>
    public string? DisplayName { get; init; }

    /// <summary>Gets a dot-path into the output JSON that user interfaces show as the node's headline.</summary>
    public string? HeadlineField { get; init; }

    /// <summary>Gets the capability the output represents for user interfaces, for example <c>shot.image</c>.</summary>
    public string? DisplayCapability { get; init; }

    /// <summary>Gets node fields Dhee does not interpret (<c>chunkBy</c>, <c>itemSchema</c>, <c>agentEditable</c>, …), kept for hosts.</summary>
    public JsonObject Extensions { get; init; } = [];
}
