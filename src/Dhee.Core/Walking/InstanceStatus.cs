namespace Dhee.Walking;

/// <summary>What happened to one node instance in a walk.</summary>
public enum InstanceStatus
{
    /// <summary>The runner ran and succeeded (possibly serving its output from the cache).</summary>
    Completed,

    /// <summary>An earlier walk completed it and nothing it depends on changed; it did not run.</summary>
    Skipped,

    /// <summary>The runner failed (or the node's items could not be read).</summary>
    Failed,

    /// <summary>Something it depends on failed, so it did not run.</summary>
    Blocked,

    /// <summary>It did not start: the walk was cancelled, failed fast or hit the budget first.</summary>
    NotStarted,

    /// <summary>It was running when the walk was cancelled; it runs again on the next walk.</summary>
    Cancelled,
}
