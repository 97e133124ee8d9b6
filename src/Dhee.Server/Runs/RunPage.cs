namespace Dhee.Server.Runs;

/// <summary>One page of runs.</summary>
/// <param name="Items">The runs, newest first.</param>
/// <param name="Total">How many runs match the query in all.</param>
public sealed record RunPage(IReadOnlyList<RunRecord> Items, int Total);
