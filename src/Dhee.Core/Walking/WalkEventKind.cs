namespace Dhee.Walking;

/// <summary>What a <see cref="WalkEvent"/> reports.</summary>
public enum WalkEventKind
{
    /// <summary>The walk started (message: target; item count: planned nodes).</summary>
    WalkStarted,

    /// <summary>A collection's items are known (item count, message: where they came from).</summary>
    CollectionMaterialized,

    /// <summary>An instance's runner started.</summary>
    NodeStarted,

    /// <summary>A running instance reported progress.</summary>
    NodeProgress,

    /// <summary>A transient failure is being retried.</summary>
    NodeRetrying,

    /// <summary>An instance's runner succeeded and generated its output.</summary>
    NodeCompleted,

    /// <summary>An instance's runner succeeded by serving its output from a cache.</summary>
    NodeCached,

    /// <summary>An instance was already complete and up to date; it did not run.</summary>
    NodeSkipped,

    /// <summary>An instance failed.</summary>
    NodeFailed,

    /// <summary>An instance did not run because something it depends on failed.</summary>
    NodeBlocked,

    /// <summary>The budget cap stopped the walk before a paid instance.</summary>
    BudgetExceeded,

    /// <summary>The walk ended (message: status; counts in the other fields).</summary>
    WalkFinished,
}
