namespace Dhee.Walking;

/// <summary>The recorded status of a node instance.</summary>
public enum WalkStateStatus
{
    /// <summary>It completed; the next walk skips it while its definition, inputs and output file are unchanged.</summary>
    Completed,

    /// <summary>It failed; the next walk runs it again.</summary>
    Failed,

    /// <summary>It started but its walk ended (crash, kill or cancellation) before it finished; the next walk runs it again.</summary>
    Interrupted,
}
