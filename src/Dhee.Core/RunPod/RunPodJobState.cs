namespace Dhee.RunPod;

/// <summary>Where a RunPod serverless job stands.</summary>
public enum RunPodJobState
{
    /// <summary>A status this client does not know (kept in <see cref="RunPodJobStatus.RawStatus"/>).</summary>
    Unknown,

    /// <summary><c>IN_QUEUE</c>: waiting for a worker (cold starts show here).</summary>
    InQueue,

    /// <summary><c>IN_PROGRESS</c>: a worker runs it.</summary>
    InProgress,

    /// <summary><c>COMPLETED</c>: the handler returned; <see cref="RunPodJobStatus.Output"/> holds its output.</summary>
    Completed,

    /// <summary><c>FAILED</c>: the handler failed; <see cref="RunPodJobStatus.Error"/> holds RunPod's error text.</summary>
    Failed,

    /// <summary><c>CANCELLED</c>: cancelled through <c>/cancel</c>.</summary>
    Cancelled,

    /// <summary><c>TIMED_OUT</c>: the endpoint's execution timeout (or this client's deadline) passed.</summary>
    TimedOut,
}
