using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;

namespace Dhee.Comfy;

/// <summary>
/// A robust client for one ComfyUI server (local or remote): submits API workflows with a WebSocket opened first,
/// tracks every prompt with a state machine where socket events are hints and <c>/history</c> + <c>/queue</c> are the truth,
/// reconnects with backoff and jitter, uploads and downloads with retries, and never waits past its deadlines.
/// Works with <c>IHttpClientFactory</c>: pass a client it created (its handlers stay in the pipeline).
/// </summary>
public sealed partial class ComfyClient : IComfyClient
{
    private static readonly ConcurrentDictionary<string, (DateTimeOffset At, ComfyObjectInfo Info)> ObjectInfoCache = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, ComfyUploadResult> UploadCache = new(StringComparer.Ordinal);

    private readonly HttpClient _http;
    private readonly ComfyClientOptions _options;
    private readonly ComfyEndpointAddress _address;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline _retry;
    private readonly CancellationTokenSource _disposed = new();

    /// <summary>Initializes a new instance of the <see cref="ComfyClient"/> class.</summary>
    /// <param name="httpClient">The HTTP client (for example from <c>IHttpClientFactory</c>); its base address and default headers are not used.</param>
    /// <param name="options">Where the server is, credentials and timeouts.</param>
    /// <param name="logger">A logger (credentials are never logged).</param>
    /// <param name="timeProvider">The clock; defaults to the system clock.</param>
    public ComfyClient(HttpClient httpClient, ComfyClientOptions options, ILogger? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        _http = httpClient;
        _options = options;
        _address = new ComfyEndpointAddress(options.BaseUrl, options.UseApiPrefix);
        _logger = logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        ClientId = options.ClientId ?? Guid.NewGuid().ToString("D");
        // Polly refuses zero retry attempts; TransientRetries = 0 means "no retry strategy at all".
        var retry = new ResiliencePipelineBuilder();
        if (options.TransientRetries > 0)
        {
            retry.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>().Handle<IOException>().Handle<TimeoutException>().Handle<ComfyTransientException>(),
                MaxRetryAttempts = options.TransientRetries,
                Delay = options.RetryBaseDelay,
                MaxDelay = TimeSpan.FromSeconds(10),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = args =>
                {
                    _logger.LogWarning("ComfyUI {Endpoint}: transient failure ({Reason}); retry {Attempt}", _address.Display, args.Outcome.Exception?.Message, args.AttemptNumber + 1);
                    return default;
                },
            });
        }

        _retry = retry.Build();
    }

    /// <summary>Gets the WebSocket client id this client submits prompts under.</summary>
    public string ClientId { get; }

    /// <summary>Gets the normalized HTTP base address (no credentials).</summary>
    public Uri BaseAddress => _address.DisplayBase;

    /// <summary>Gets the options.</summary>
    public ComfyClientOptions Options => _options;

    internal string EndpointKey => _address.HttpBase.ToString();

    /// <summary>Reads <c>/system_stats</c> (also a cheap reachability check).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The stats object (system, devices).</returns>
    public async Task<JsonObject> GetSystemStatsAsync(CancellationToken cancellationToken = default)
        => await GetJsonAsync("system_stats", cancellationToken).ConfigureAwait(false) as JsonObject
            ?? throw new ComfyException($"ComfyUI at {_address.Display} answered /system_stats with something other than a JSON object; is this a ComfyUI server?");

    /// <summary>Reads the node catalog, cached per endpoint for <see cref="ComfyClientOptions.ObjectInfoCacheDuration"/>.</summary>
    /// <param name="refresh">True to bypass the cache.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The catalog.</returns>
    public async Task<ComfyObjectInfo> GetObjectInfoAsync(bool refresh = false, CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        if (!refresh && ObjectInfoCache.TryGetValue(EndpointKey, out var cached) && now - cached.At < _options.ObjectInfoCacheDuration)
        {
            return cached.Info;
        }

        var json = await GetJsonAsync("object_info", cancellationToken).ConfigureAwait(false) as JsonObject
            ?? throw new ComfyException($"ComfyUI at {_address.Display} answered /object_info with something other than a JSON object.");
        var info = new ComfyObjectInfo(json);
        ObjectInfoCache[EndpointKey] = (now, info);
        return info;
    }

    /// <summary>Reads the queue.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Running and pending prompt ids.</returns>
    public async Task<ComfyQueueSnapshot> GetQueueAsync(CancellationToken cancellationToken = default)
    {
        var json = await GetJsonAsync("queue", cancellationToken).ConfigureAwait(false);
        static IReadOnlyList<string> Ids(JsonNode? list) => list is JsonArray arr
            ? [.. arr.OfType<JsonArray>().OrderBy(e => e.Count > 0 && e[0] is JsonValue n && n.TryGetValue<double>(out var d) ? d : 0).Select(e => e.Count > 1 ? e[1]?.ToString() ?? string.Empty : string.Empty)]
            : [];
        return new ComfyQueueSnapshot(Ids(json?["queue_running"]), Ids(json?["queue_pending"]));
    }

    /// <summary>Lists the model files of one folder (<c>/models/{folder}</c>, for example <c>checkpoints</c>).</summary>
    /// <param name="folder">The model folder.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The file names.</returns>
    public async Task<IReadOnlyList<string>> GetModelsAsync(string folder, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var json = await GetJsonAsync("models/" + Uri.EscapeDataString(folder), cancellationToken).ConfigureAwait(false);
        return json is JsonArray arr ? [.. arr.Select(a => a?.ToString() ?? string.Empty)] : [];
    }

    /// <summary>Reads one prompt's history entry.</summary>
    /// <param name="promptId">The prompt.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The entry, or null while pending, running or unknown.</returns>
    public async Task<JsonObject?> GetHistoryEntryAsync(string promptId, CancellationToken cancellationToken = default)
    {
        var json = await GetJsonAsync("history/" + Uri.EscapeDataString(promptId), cancellationToken).ConfigureAwait(false);
        return json?[promptId] as JsonObject;
    }

    /// <summary>Cancels a prompt: a queued one is deleted from the queue; a running one is interrupted by id (older servers interrupt globally, which is done only when this prompt is surely the running one).</summary>
    /// <param name="promptId">The prompt.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The status the prompt had when cancelled (Queued or Running), or its final status when already done.</returns>
    public async Task<ComfyPromptStatus> CancelAsync(string promptId, CancellationToken cancellationToken = default)
    {
        if (await TryCancelJobAsync(promptId, cancellationToken).ConfigureAwait(false) is { } cancelled)
        {
            return cancelled;
        }

        var queue = await GetQueueAsync(cancellationToken).ConfigureAwait(false);
        if (queue.Pending.Contains(promptId, StringComparer.Ordinal))
        {
            await PostJsonAsync("queue", new JsonObject { ["delete"] = new JsonArray(promptId) }, cancellationToken).ConfigureAwait(false);
            var after = await GetQueueAsync(cancellationToken).ConfigureAwait(false);
            if (!after.Running.Contains(promptId, StringComparer.Ordinal))
            {
                return ComfyPromptStatus.Queued;
            }

            queue = after;
        }

        if (queue.Running.Contains(promptId, StringComparer.Ordinal))
        {
            // Newer servers honour prompt_id; older ones ignore the body and interrupt the running prompt, which is ours.
            await PostJsonAsync("interrupt", new JsonObject { ["prompt_id"] = promptId }, cancellationToken).ConfigureAwait(false);
            return ComfyPromptStatus.Running;
        }

        return await GetStatusAsync(promptId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Interrupts whatever runs on the server (global interrupt). Prefer <see cref="CancelAsync"/>.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public Task InterruptAsync(CancellationToken cancellationToken = default)
        => PostJsonAsync("interrupt", [], cancellationToken);

    /// <summary>Establishes where a prompt stands from <c>/history</c> and <c>/queue</c> (the truth, not socket hints).</summary>
    /// <param name="promptId">The prompt.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The status; <see cref="ComfyPromptStatus.Lost"/> when the server does not know it.</returns>
    public async Task<ComfyPromptStatus> GetStatusAsync(string promptId, CancellationToken cancellationToken = default)
    {
        var (status, _, _) = await CheckTruthAsync(promptId, cancellationToken).ConfigureAwait(false);
        return status;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        await _disposed.CancelAsync().ConfigureAwait(false);
        await StopSocketAsync().ConfigureAwait(false);
        foreach (var tracker in _trackers.Values)
        {
            tracker.Pulse();
        }

        _disposed.Dispose();
    }

    internal static void ClearCachesForTests()
    {
        ObjectInfoCache.Clear();
        UploadCache.Clear();
    }

    private void ApplyHeaders(HttpRequestMessage request)
    {
        if (_options.BearerToken is { Length: > 0 } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (_options.ApiKey is { Length: > 0 } key)
        {
            request.Headers.TryAddWithoutValidation("X-API-Key", key);
        }

        foreach (var (name, value) in _options.Headers)
        {
            request.Headers.Remove(name);
            request.Headers.TryAddWithoutValidation(name, value);
        }
    }

    private static bool IsTransient(HttpStatusCode status)
        => status is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

    private async Task<(HttpStatusCode Status, string Body)> SendForTextAsync(HttpMethod method, string route, HttpContent? content, CancellationToken cancellationToken)
        => await _retry.ExecuteAsync(async ct => await SendOnceAsync(method, route, content, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>One HTTP call without retries; transient answers and transport failures are thrown for the caller's retry policy.</summary>
    private async Task<(HttpStatusCode Status, string Body)> SendOnceAsync(HttpMethod method, string route, HttpContent? content, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, _address.Route(route)) { Content = content is null ? null : await CloneContentAsync(content, ct).ConfigureAwait(false) };
        ApplyHeaders(request);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            if (IsTransient(response.StatusCode))
            {
                throw new ComfyTransientException($"{method} {route} answered {(int)response.StatusCode} {response.StatusCode}", response.StatusCode);
            }

            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden && route != "view")
            {
                throw new ComfyException($"ComfyUI at {_address.Display} refused {method} /{route} with {(int)response.StatusCode}: check the endpoint's credentials (bearer token, API key or headers).", response.StatusCode);
            }

            return (response.StatusCode, body);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"ComfyUI at {_address.Display} did not answer {method} /{route} within {_options.RequestTimeout.TotalSeconds:0.#} s");
        }
    }

    private static async Task<HttpContent> CloneContentAsync(HttpContent content, CancellationToken ct)
    {
        var bytes = await content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        var clone = new ByteArrayContent(bytes);
        foreach (var header in content.Headers)
        {
            clone.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        return clone;
    }

    private async Task<JsonNode?> GetJsonAsync(string route, CancellationToken cancellationToken)
    {
        var (status, body) = await WrapAsync(() => SendForTextAsync(HttpMethod.Get, route, null, cancellationToken), "GET", route).ConfigureAwait(false);
        if (status != HttpStatusCode.OK)
        {
            throw new ComfyException($"ComfyUI at {_address.Display} answered GET /{route} with {(int)status}: {Snippet(body)}", status);
        }

        try
        {
            return string.IsNullOrWhiteSpace(body) ? null : JsonNode.Parse(body);
        }
        catch (JsonException ex)
        {
            throw new ComfyException($"ComfyUI at {_address.Display} answered GET /{route} with invalid JSON ({ex.Message}); is the address right (a proxy page instead of ComfyUI)?", status, ex);
        }
    }

    private async Task PostJsonAsync(string route, JsonObject body, CancellationToken cancellationToken)
    {
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        var (status, text) = await WrapAsync(() => SendForTextAsync(HttpMethod.Post, route, content, cancellationToken), "POST", route).ConfigureAwait(false);
        if ((int)status >= 400)
        {
            throw new ComfyException($"ComfyUI at {_address.Display} answered POST /{route} with {(int)status}: {Snippet(text)}", status);
        }
    }

    private async Task<T> WrapAsync<T>(Func<Task<T>> call, string method, string route)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (ComfyTransientException ex)
        {
            throw new ComfyException($"ComfyUI at {_address.Display} kept failing {method} /{route} after {_options.TransientRetries} retries: {ex.Message}. Is the server overloaded or restarting?", ex.StatusCode, ex);
        }
        catch (HttpRequestException ex)
        {
            throw new ComfyException($"Cannot reach ComfyUI at {_address.Display} ({method} /{route}): {ex.Message}. Is the server running and the address right?", ex.StatusCode, ex);
        }
        catch (TimeoutException ex)
        {
            throw new ComfyException(ex.Message + $" (after {_options.TransientRetries} retries)", null, ex);
        }
        catch (IOException ex)
        {
            throw new ComfyException($"The connection to ComfyUI at {_address.Display} broke during {method} /{route}: {ex.Message}", null, ex);
        }
    }

    private static string Snippet(string body) => body.Length <= 300 ? body : body[..300] + "…";
}
