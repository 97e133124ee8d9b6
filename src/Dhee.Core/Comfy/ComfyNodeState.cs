namespace Dhee.Comfy;

/// <summary>One node's entry in a <c>progress_state</c> frame.</summary>
/// <param name="NodeId">The node (for nodes inside subgraphs, the expanded id such as <c>12:3</c>).</param>
/// <param name="State"><c>running</c>, <c>finished</c> or <c>error</c> (pending nodes are not reported).</param>
/// <param name="Value">Steps done.</param>
/// <param name="Max">Steps in total.</param>
/// <param name="DisplayNodeId">The node the editor shows the progress on, when the server says.</param>
public sealed record ComfyNodeState(string NodeId, string State, double Value, double Max, string? DisplayNodeId);
