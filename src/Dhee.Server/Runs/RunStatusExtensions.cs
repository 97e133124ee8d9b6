namespace Dhee.Server.Runs;

/// <summary>Helpers over <see cref="RunStatus"/>.</summary>
public static class RunStatusExtensions
{
    /// <summary>Gets a value indicating whether a run in this status will not change on its own.</summary>
    /// <param name="status">The status.</param>
    /// <returns>True for success, failed, cancelled and interrupted.</returns>
    public static bool IsFinished(this RunStatus status) => status is RunStatus.Success or RunStatus.Failed or RunStatus.Cancelled or RunStatus.Interrupted;

    /// <summary>Gets the wire name of the status, for example <c>success</c>.</summary>
    /// <param name="status">The status.</param>
    /// <returns>The lower camel case name.</returns>
    public static string ToWireName(this RunStatus status) => status switch
    {
        RunStatus.Preparing => "preparing",
        RunStatus.Running => "running",
        RunStatus.Success => "success",
        RunStatus.Failed => "failed",
        RunStatus.Cancelled => "cancelled",
        _ => "interrupted",
    };
}
