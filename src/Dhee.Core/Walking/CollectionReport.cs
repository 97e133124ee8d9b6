namespace Dhee.Walking;

/// <summary>How a collection node's items were found.</summary>
/// <param name="NodeId">The collection node.</param>
/// <param name="ItemSource">The node or bundle input the items came from.</param>
/// <param name="Source">
/// Where in it: <c>fan-through</c> (the upstream's own items), <c>top-level array</c>, <c>itemKey:&lt;key&gt;</c>, <c>items</c>
/// or <c>first array:&lt;key&gt;</c> (ambiguous; set <c>itemKey</c> to be explicit).
/// </param>
/// <param name="ItemCount">The number of items.</param>
public sealed record CollectionReport(string NodeId, string ItemSource, string Source, int ItemCount);
