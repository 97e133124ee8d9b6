namespace Dhee.Server.Runs;

/// <summary>One node failure of a run.</summary>
/// <param name="NodeId">The node id.</param>
/// <param name="ItemId">The collection item id, or null for a stage node.</param>
/// <param name="Runner">The runner's tool id.</param>
/// <param name="Message">What went wrong and how to fix it.</param>
public sealed record RunNodeError(string NodeId, string? ItemId, string Runner, string Message);
