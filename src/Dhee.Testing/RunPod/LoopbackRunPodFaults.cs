using System.Collections.Concurrent;

namespace Dhee.Testing.RunPod;

/// <summary>Fault switches of a running <see cref="LoopbackRunPodServer"/>; change them at any time from a test.</summary>
public sealed class LoopbackRunPodFaults
{
    private readonly ConcurrentQueue<(string Route, int RetryAfterSeconds)> _rateLimits = new();

    /// <summary>Gets or sets the error text with which the next jobs end <c>FAILED</c> (null: jobs run normally).</summary>
    public string? FailJobsWith { get; set; }

    /// <summary>Gets or sets a value indicating whether jobs end <c>TIMED_OUT</c> instead of running.</summary>
    public bool TimeOutJobs { get; set; }

    /// <summary>Gets or sets a value indicating whether jobs stay <c>IN_QUEUE</c> (no worker picks them up) until cleared.</summary>
    public bool HoldInQueue { get; set; }

    /// <summary>Gets or sets a value indicating whether jobs stay <c>IN_PROGRESS</c> forever (until cancelled or timed out).</summary>
    public bool HangInProgress { get; set; }

    /// <summary>Gets or sets a value indicating whether <c>/stream/{job}</c> answers 404, as a proxy or an older API that lacks it.</summary>
    public bool StreamUnsupported { get; set; }

    /// <summary>Gets or sets a value indicating whether completed jobs report <c>success_no_images</c> with an empty <c>images</c> list.</summary>
    public bool NoImages { get; set; }

    /// <summary>Gets the messages reported in <c>errors[]</c> next to the outputs of completed jobs (worker-comfyui's partial failures).</summary>
    public IList<string> OutputErrors { get; } = [];

    /// <summary>Makes the next <paramref name="times"/> requests to <paramref name="route"/> answer 429 with <c>Retry-After</c>.</summary>
    /// <param name="route"><c>run</c>, <c>runsync</c>, <c>status</c>, <c>cancel</c>, <c>health</c>, <c>retry</c>, or <c>*</c>.</param>
    /// <param name="times">How many requests are refused.</param>
    /// <param name="retryAfterSeconds">The <c>Retry-After</c> value in seconds (0 sends none).</param>
    public void RateLimitNext(string route, int times = 1, int retryAfterSeconds = 1)
    {
        for (var i = 0; i < times; i++)
        {
            _rateLimits.Enqueue((route, retryAfterSeconds));
        }
    }

    internal bool TryTakeRateLimit(string route, out int retryAfterSeconds)
    {
        var taken = LoopbackQueue.TryTakeFirst(_rateLimits, r => r.Route == "*" || string.Equals(r.Route, route, StringComparison.OrdinalIgnoreCase), out var limit);
        retryAfterSeconds = limit.RetryAfterSeconds;
        return taken;
    }
}
