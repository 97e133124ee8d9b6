namespace Dhee.Walking;

/// <summary>One line of a dry-run plan: a node instance and what the next walk would do with it.</summary>
/// <param name="NodeId">The node.</param>
/// <param name="ItemId">The collection item, or null for stages and for collections whose items are unknown.</param>
/// <param name="Tool">The runner's tool id.</param>
/// <param name="Action">What would happen.</param>
/// <param name="Reason">Why, in words.</param>
/// <param name="OutputPath">The project-relative output path.</param>
public sealed record PlannedInstance(string NodeId, string? ItemId, string Tool, PlannedAction Action, string Reason, string? OutputPath);
