namespace Dhee.Endpoints;

/// <summary>Settings of a <see cref="ComfyPool"/>: when to stop sending work to a failing instance and when to try it again.</summary>
public sealed class ComfyPoolOptions
{
    /// <summary>Gets or sets how many consecutive failures open an instance's circuit. Default 3.</summary>
    public int FailureThreshold { get; set; } = 3;

    /// <summary>Gets or sets how long an open circuit stays open before one probe is let through. Default 30 s.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the limit on the health and queue probe of one instance while choosing. Default 5 s.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
