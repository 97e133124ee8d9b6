namespace Dhee.Walking;

/// <summary>How a walk ended.</summary>
public enum WalkStatus
{
    /// <summary>The target (the goal, or <see cref="WalkOptions.To"/>) completed.</summary>
    Succeeded,

    /// <summary>At least one instance failed, or the target could not complete.</summary>
    Failed,

    /// <summary>The walk was cancelled; walk again to resume.</summary>
    Cancelled,

    /// <summary>The budget cap stopped the walk before a paid instance; raise the cap and walk again to resume.</summary>
    BudgetExceeded,
}
