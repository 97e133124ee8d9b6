namespace Dhee.Walking;

/// <summary>The result of a dry run (<see cref="Walker.PlanAsync"/>): what the next walk would run and skip, and why.</summary>
public sealed record WalkPlanReport
{
    /// <summary>Gets the node the walk aims at.</summary>
    public required string Target { get; init; }

    /// <summary>Gets one entry per instance (and per collection whose items are not known yet), in dependency order.</summary>
    public required IReadOnlyList<PlannedInstance> Instances { get; init; }

    /// <summary>Gets how collections found their items (from existing outputs).</summary>
    public IReadOnlyList<CollectionReport> Collections { get; init; } = [];

    /// <summary>Gets the number of instances that would run.</summary>
    public int ToRun => Instances.Count(i => i.Action == PlannedAction.Run);

    /// <summary>Gets the number of instances that are up to date.</summary>
    public int UpToDate => Instances.Count(i => i.Action == PlannedAction.UpToDate);
}
