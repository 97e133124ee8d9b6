namespace Dhee.Endpoints;

/// <summary>Settings of a <see cref="ComfyPool"/>: when to stop sending work to a failing instance and when to try it again.</summary>
public sealed class ComfyPoolOptions
{
    /// <summary>Gets or sets how many consecutive failures open an instance's circuit. Default 3.</summary>
    public int FailureThreshold { get; set; } = 3;

    /// <summary>Gets or sets how long an open circuit stays open before one probe is let through. Default 30 s.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets how long one instance may take for a workflow before the pool cancels it there and resubmits it, once, to
    /// another capable instance; a timeout reported by the instance's own client (the endpoint's <c>timeoutSeconds</c>) does
    /// the same. Null (the default) leaves the limit to the instance's client.
    /// </summary>
    public TimeSpan? AttemptTimeout { get; set; }

    /// <summary>Gets or sets the budget of one workflow across every instance it is tried on; no retry starts once it is spent. Null (the default): no budget beyond the caller's cancellation.</summary>
    public TimeSpan? OverallTimeout { get; set; }

    /// <summary>Gets or sets the limit on the health and queue probe of one instance while choosing. Default 5 s.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
