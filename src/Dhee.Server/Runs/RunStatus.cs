namespace Dhee.Server.Runs;

/// <summary>Where a run is in its life. Serialized in lower camel case (<c>success</c>, <c>interrupted</c>, …).</summary>
public enum RunStatus
{
    /// <summary>Created with <c>createRun</c>; waiting for <c>startRun</c>. Progress may already be subscribed to.</summary>
    Preparing,

    /// <summary>Executing.</summary>
    Running,

    /// <summary>Finished and every node succeeded.</summary>
    Success,

    /// <summary>Finished with at least one node error, or the executor failed.</summary>
    Failed,

    /// <summary>Cancelled by its owner or an admin.</summary>
    Cancelled,

    /// <summary>The server stopped while the run was executing; it can be resumed.</summary>
    Interrupted,
}
