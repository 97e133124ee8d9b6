namespace Dhee.Definitions;

/// <summary>
/// Wires one upstream output to one downstream input handle. For a list port the input key is a handle
/// <c>port[index]</c>; for any other port it is the port key.
/// </summary>
/// <param name="OutputKey">The upstream node's output port key.</param>
/// <param name="InputKey">The downstream node's input handle.</param>
public sealed record DagEdgeBinding(string OutputKey, string InputKey);
