namespace Dhee.RunPod;

/// <summary>Settings of a <see cref="RunPodClient"/>: which endpoint, which key, how to poll and how long to wait.</summary>
public sealed class RunPodClientOptions
{
    /// <summary>The public API base.</summary>
    public static readonly Uri DefaultApiBase = new("https://api.runpod.ai/v2");

    /// <summary>The body limit of <c>/run</c> (10 MB).</summary>
    public const long RunBodyLimit = 10L * 1024 * 1024;

    /// <summary>The body limit of <c>/runsync</c> (20 MB).</summary>
    public const long RunSyncBodyLimit = 20L * 1024 * 1024;

    /// <summary>Gets or sets the serverless endpoint id.</summary>
    public required string EndpointId { get; set; }

    /// <summary>Gets or sets the API base (the endpoint id is appended); change it for tests and proxies. Default <c>https://api.runpod.ai/v2</c>.</summary>
    public Uri ApiBase { get; set; } = DefaultApiBase;

    /// <summary>Gets or sets the API key sent as <c>Authorization: Bearer</c>. Never logged and never part of a message.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Gets or sets the name of the environment variable the key came from, for messages when it is missing. Default <c>RUNPOD_API_KEY</c>.</summary>
    public string CredentialVariable { get; set; } = "RUNPOD_API_KEY";

    /// <summary>Gets extra headers for every RunPod API request (not for output downloads).</summary>
    public IDictionary<string, string> Headers { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets the first delay between <c>/status</c> polls. Default 250 ms.</summary>
    public TimeSpan PollInitialDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Gets or sets the longest delay between polls. Default 5 s.</summary>
    public TimeSpan PollMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the factor by which the poll delay grows while the status does not change (it restarts fast on every change). Default 1.5.</summary>
    public double PollGrowth { get; set; } = 1.5;

    /// <summary>Gets or sets the overall limit on waiting for one job; when it passes the job is cancelled on RunPod. Default 30 minutes.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Gets or sets the limit on one HTTP request. Default 100 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>Gets or sets how many 429 answers are waited out (honouring <c>Retry-After</c>) before a call fails. Default 5.</summary>
    public int MaxRateLimitRetries { get; set; } = 5;

    /// <summary>Gets or sets the longest <c>Retry-After</c> honoured; longer values are capped. Default 30 s.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how many consecutive transient failures (5xx, connection errors) a wait tolerates while polling. Default 5.</summary>
    public int MaxPollFailures { get; set; } = 5;

    /// <summary>
    /// Gets or sets a value indicating whether waiting reads <c>/stream/{id}</c>, which returns the partial outputs a worker
    /// yields (progress) with the status, instead of polling <c>/status</c>; the final result still comes from <c>/status</c>.
    /// An endpoint (or proxy) without <c>/stream</c> falls back to polling <c>/status</c>. Default true.
    /// </summary>
    public bool UseStream { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether jobs are sent to <c>/runsync</c> (20 MB body limit; the answer carries the output when the job finishes within <see cref="RunSyncWait"/>) instead of <c>/run</c>.</summary>
    public bool UseRunSync { get; set; }

    /// <summary>Gets or sets how long <c>/runsync</c> holds the request (<c>?wait=</c>, 1–300 s). Default 90 s.</summary>
    public TimeSpan RunSyncWait { get; set; } = TimeSpan.FromSeconds(90);
}
