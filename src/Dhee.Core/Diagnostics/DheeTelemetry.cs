using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Dhee.Diagnostics;

/// <summary>
/// The one <see cref="ActivitySource"/> and <see cref="Meter"/> (both named <see cref="Name"/>) every Dhee component reports
/// through, and their instruments. Hosts subscribe with OpenTelemetry's <c>AddSource("Dhee")</c> / <c>AddMeter("Dhee")</c>
/// or any <see cref="ActivityListener"/> / <see cref="MeterListener"/>; nothing here depends on OpenTelemetry.
/// </summary>
/// <remarks>
/// With nobody listening, starting a span returns null and instruments are disabled, so call sites check
/// <see cref="ActivitySource.HasListeners"/> or <see cref="Instrument.Enabled"/> before building tags. Names and tags are
/// listed in docs/observability.md; keep that page in step with this class.
/// </remarks>
internal static class DheeTelemetry
{
    /// <summary>The name of the activity source and of the meter.</summary>
    public const string Name = "Dhee";

    /// <summary>A whole walk.</summary>
    public const string WalkSpan = "dhee.walk";

    /// <summary>One node: a stage node's run, or a collection node spanning its items.</summary>
    public const string NodeSpan = "dhee.node";

    /// <summary>One item (instance) of a collection node.</summary>
    public const string ItemSpan = "dhee.item";

    /// <summary>Queueing a workflow on a ComfyUI server, pool or RunPod endpoint.</summary>
    public const string ComfySubmitSpan = "dhee.comfy.submit";

    /// <summary>Waiting for a queued workflow's final status.</summary>
    public const string ComfyWaitSpan = "dhee.comfy.wait";

    /// <summary>Writing a workflow's output file to the project.</summary>
    public const string ComfyDownloadSpan = "dhee.comfy.download";

    /// <summary>Polling a RunPod serverless job until it is final.</summary>
    public const string RunPodJobSpan = "dhee.runpod.job";

    /// <summary>Loading a runner plugin's code and creating its runners.</summary>
    public const string PluginLoadSpan = "dhee.plugin.load";

    private static readonly string Version = DheeEngine.Version.ToNormalizedString();

    private static readonly InstrumentAdvice<double> SecondsAdvice = new()
    {
        HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
    };

    /// <summary>Gets the activity source.</summary>
    public static ActivitySource Source { get; } = new(Name, Version);

    /// <summary>Gets the meter.</summary>
    public static Meter Meter { get; } = new(Name, Version);

    /// <summary>Gets the counter of instances a runner produced afresh (succeeded, not served from a cache); tag <c>dhee.tool</c>.</summary>
    public static Counter<long> NodesRun { get; } = Meter.CreateCounter<long>("dhee.nodes.run", "{instance}", "Node instances a runner produced afresh.");

    /// <summary>Gets the counter of instances whose output came from the generation cache; tag <c>dhee.tool</c>.</summary>
    public static Counter<long> NodesCached { get; } = Meter.CreateCounter<long>("dhee.nodes.cached", "{instance}", "Node instances served from the generation cache.");

    /// <summary>Gets the counter of failed instances; tags <c>dhee.tool</c>, <c>error.type</c>.</summary>
    public static Counter<long> NodesFailed { get; } = Meter.CreateCounter<long>("dhee.nodes.failed", "{instance}", "Node instances that failed.");

    /// <summary>Gets the histogram of instance durations, retries included; tags <c>dhee.tool</c>, <c>dhee.node.outcome</c>.</summary>
    public static Histogram<double> NodeDuration { get; } = Meter.CreateHistogram("dhee.node.duration", "s", "How long node instances took, retries included.", advice: SecondsAdvice);

    /// <summary>Gets the histogram of time spent queued before execution started; tag <c>dhee.endpoint.kind</c>.</summary>
    public static Histogram<double> QueueWait { get; } = Meter.CreateHistogram("dhee.queue.wait", "s", "Time a workflow waited in a ComfyUI queue or a RunPod job stayed IN_QUEUE.", advice: SecondsAdvice);

    /// <summary>Gets the counter of output bytes written from ComfyUI and RunPod; tag <c>dhee.endpoint.kind</c>.</summary>
    public static Counter<long> BytesDownloaded { get; } = Meter.CreateCounter<long>("dhee.bytes.downloaded", "By", "Output bytes received from ComfyUI servers and RunPod endpoints.");

    /// <summary>Gets the counter of generation-cache lookups that found a valid entry.</summary>
    public static Counter<long> CacheHits { get; } = Meter.CreateCounter<long>("dhee.cache.hits", "{lookup}", "Generation cache lookups that found a valid entry.");

    /// <summary>Gets the counter of generation-cache lookups that found nothing usable (missing, partial or corrupt).</summary>
    public static Counter<long> CacheMisses { get; } = Meter.CreateCounter<long>("dhee.cache.misses", "{lookup}", "Generation cache lookups that found no usable entry.");

    /// <summary>Gets the counter of money runners reported spending (cache hits cost nothing); tag <c>dhee.tool</c>.</summary>
    public static Counter<double> Cost { get; } = Meter.CreateCounter<double>("dhee.cost", "USD", "What runners reported spending, in US dollars.");

    /// <summary>Starts a span when someone listens; the new span becomes <see cref="Activity.Current"/>.</summary>
    /// <param name="name">One of the span names above.</param>
    /// <param name="kind">The span kind.</param>
    /// <returns>The span, or null when nobody listens or the listener did not sample it.</returns>
    public static Activity? Start(string name, ActivityKind kind = ActivityKind.Internal)
        => Source.HasListeners() ? Source.StartActivity(name, kind) : null;

    /// <summary>Marks a span failed with a message (and an <c>error.type</c> when known).</summary>
    /// <param name="activity">The span, or null.</param>
    /// <param name="message">What went wrong; must not contain credentials.</param>
    /// <param name="errorType">A short error code or exception type name.</param>
    public static void SetError(Activity? activity, string? message, string? errorType = null)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetStatus(ActivityStatusCode.Error, message);
        if (errorType is not null)
        {
            activity.SetTag(TelemetryTags.ErrorType, errorType);
        }
    }

    /// <summary>Marks a span failed with an exception; returns false so it can sit in an exception filter without catching.</summary>
    /// <param name="activity">The span, or null.</param>
    /// <param name="exception">The exception (its message must be free of credentials, as every Dhee message is).</param>
    /// <returns>Always false.</returns>
    public static bool Fail(Activity? activity, Exception exception)
    {
        SetError(activity, exception.Message, exception.GetType().FullName);
        return false;
    }
}
