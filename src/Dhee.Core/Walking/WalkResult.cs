namespace Dhee.Walking;

/// <summary>The outcome of a walk: its status, every failure, per-instance traces and counts.</summary>
public sealed record WalkResult
{
    /// <summary>Gets how the walk ended.</summary>
    public required WalkStatus Status { get; init; }

    /// <summary>Gets the node the walk aimed at (the goal, or <see cref="WalkOptions.To"/>).</summary>
    public required string Target { get; init; }

    /// <summary>Gets the target's project-relative output path when it is a completed stage.</summary>
    public string? TargetOutputPath { get; init; }

    /// <summary>Gets every failure, with node, item, runner and error.</summary>
    public IReadOnlyList<WalkFailure> Failures { get; init; } = [];

    /// <summary>Gets one trace per instance in the plan (and per node that never got instances).</summary>
    public IReadOnlyList<InstanceTrace> Traces { get; init; } = [];

    /// <summary>Gets how each collection's items were found.</summary>
    public IReadOnlyList<CollectionReport> Collections { get; init; } = [];

    /// <summary>Gets the number of instances whose runner ran and succeeded.</summary>
    public int Completed { get; init; }

    /// <summary>Gets how many of <see cref="Completed"/> were served from a cache.</summary>
    public int Cached { get; init; }

    /// <summary>Gets the number of instances skipped because an earlier walk completed them.</summary>
    public int Skipped { get; init; }

    /// <summary>Gets the number of failed instances.</summary>
    public int Failed { get; init; }

    /// <summary>Gets the number of instances blocked by a failure upstream.</summary>
    public int Blocked { get; init; }

    /// <summary>Gets the number of instances not started (cancelled, fail-fast or budget).</summary>
    public int NotStarted { get; init; }

    /// <summary>Gets the recorded spend of the project in US dollars, this walk included.</summary>
    public decimal SpentUsd { get; init; }

    /// <summary>Gets the first paid node the budget cap stopped before, if it did.</summary>
    public string? BudgetStoppedAt { get; init; }

    /// <summary>Gets how long the walk took.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Gets a one-line summary.</summary>
    public string Message { get; init; } = string.Empty;

    /// <summary>Gets a value indicating whether the walk succeeded.</summary>
    public bool Success => Status == WalkStatus.Succeeded;
}
