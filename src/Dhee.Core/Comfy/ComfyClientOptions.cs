namespace Dhee.Comfy;

/// <summary>Settings of a <see cref="ComfyClient"/>: where the server is, how to authenticate, and how long to wait.</summary>
public sealed class ComfyClientOptions
{
    /// <summary>Gets or sets the server address: <c>http(s)://host:port</c> or <c>ws(s)://…</c>, optionally with a sub-path and/or a trailing <c>/api</c> (never doubled).</summary>
    public required Uri BaseUrl { get; set; }

    /// <summary>Gets or sets a value indicating whether routes are called under <c>/api</c> even when <see cref="BaseUrl"/> does not end with it (needed behind some proxies and by Comfy Cloud).</summary>
    public bool UseApiPrefix { get; set; }

    /// <summary>Gets or sets a bearer token sent as <c>Authorization: Bearer …</c> on HTTP calls and the WebSocket upgrade.</summary>
    public string? BearerToken { get; set; }

    /// <summary>Gets or sets an API key sent as <c>X-API-Key</c> on HTTP calls and the WebSocket upgrade.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Gets extra headers sent on every HTTP call and the WebSocket upgrade (values are never logged).</summary>
    public IDictionary<string, string> Headers { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets the WebSocket client id; <see langword="null"/> generates a lowercase UUID per client.</summary>
    public string? ClientId { get; set; }

    /// <summary>Gets or sets the limit on one whole run (queue wait + execution + result lookup). Default 30 minutes.</summary>
    public TimeSpan OverallTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Gets or sets the limit on the time a prompt may wait in the queue before it starts. Default: no separate limit.</summary>
    public TimeSpan QueueTimeout { get; set; } = Timeout.InfiniteTimeSpan;

    /// <summary>Gets or sets the limit on execution once the prompt started. Default: no separate limit.</summary>
    public TimeSpan ExecutionTimeout { get; set; } = Timeout.InfiniteTimeSpan;

    /// <summary>Gets or sets how long a running prompt may go without any event of its own before the client asks <c>/history</c> and <c>/queue</c> (heartbeats do not count). Default 15 seconds.</summary>
    public TimeSpan InactivityTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Gets or sets how often the truth is polled while the WebSocket is down, and how often a queued prompt's position is refreshed. Default 1 second.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the limit on one ordinary HTTP call (not downloads). Default 30 seconds.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the limit on connecting the WebSocket before submitting; past it the client submits anyway and relies on polling. Default 5 seconds.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets how long a download may go without receiving a byte. Default 60 seconds.</summary>
    public TimeSpan DownloadIdleTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets or sets how many consecutive failed WebSocket (re)connects are tried before the client gives up on the socket and only polls. Default 8.</summary>
    public int ReconnectBudget { get; set; } = 8;

    /// <summary>Gets or sets the first reconnect delay; later ones double up to <see cref="ReconnectMaxDelay"/>, each with random jitter. Default 250 ms.</summary>
    public TimeSpan ReconnectBaseDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Gets or sets the largest reconnect delay. Default 10 seconds.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets how many times transient failures (502/503/504, connection reset, timeouts, short downloads) are retried. Default 4.</summary>
    public int TransientRetries { get; set; } = 4;

    /// <summary>Gets or sets the first retry delay (exponential with jitter). Default 200 ms.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Gets or sets how long <c>/object_info</c> stays cached per endpoint. Default 10 minutes.</summary>
    public TimeSpan ObjectInfoCacheDuration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Gets or sets a value indicating whether the client asks for previews with metadata (binary type 4, which names prompt and node) by sending <c>feature_flags</c> on connect; servers that do not know it keep sending type 1. Default true.</summary>
    public bool RequestPreviewMetadata { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether uploads are named after a hash of their bytes, so the same input is uploaded once per server. Default true.</summary>
    public bool ContentHashUploadNames { get; set; } = true;
}
