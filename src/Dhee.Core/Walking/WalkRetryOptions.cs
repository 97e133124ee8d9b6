namespace Dhee.Walking;

/// <summary>How the walker retries runner failures marked transient (<see cref="Runners.RunnerError.IsTransient"/>).</summary>
public sealed class WalkRetryOptions
{
    /// <summary>Gets or sets how many times a transient failure is retried; 0 disables retries.</summary>
    /// <value>The default value is 2.</value>
    public int MaxRetryAttempts { get; set; } = 2;

    /// <summary>Gets or sets the delay before the first retry; later retries back off exponentially.</summary>
    /// <value>The default value is one second.</value>
    public TimeSpan Delay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the longest delay between retries.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets a value indicating whether delays are randomised (jitter) so many failing instances do not retry in lockstep.</summary>
    /// <value>The default value is true.</value>
    public bool UseJitter { get; set; } = true;
}
