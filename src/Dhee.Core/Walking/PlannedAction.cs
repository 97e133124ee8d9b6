namespace Dhee.Walking;

/// <summary>What the next walk would do with a node instance (see <see cref="Walker.PlanAsync"/>).</summary>
public enum PlannedAction
{
    /// <summary>It would run; the reason says why (never ran, failed, interrupted, definition changed, output missing, upstream changed or re-running).</summary>
    Run,

    /// <summary>It is complete and up to date; the walk would skip it.</summary>
    UpToDate,

    /// <summary>Its instances cannot be known yet (a collection whose items come from an output that has not been produced).</summary>
    Unknown,
}
