using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dhee.Diagnostics;
using Dhee.Utils;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dhee.RunPod;

/// <summary>
/// A client for one RunPod serverless endpoint: <c>/run</c> and <c>/status</c> polling with a backoff that starts fast and
/// grows, <c>/runsync</c>, <c>/cancel</c> on cancellation and on its own deadline, <c>/retry</c>, <c>/health</c>, 429s waited out
/// per <c>Retry-After</c> within a budget, and outputs saved to disk streamed and atomically. The API key is sent only to the
/// RunPod API (never to output URLs) and never logged.
/// </summary>
public sealed class RunPodClient
{
    private readonly HttpClient _http;
    private readonly RunPodClientOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Uri _base;
    private bool _streamMissing;

    /// <summary>Initializes a new instance of the <see cref="RunPodClient"/> class.</summary>
    /// <param name="httpClient">The HTTP client (for example from <c>IHttpClientFactory</c>); its base address and default headers are not used.</param>
    /// <param name="options">The endpoint, key and timing settings.</param>
    /// <param name="logger">A logger (the key is never logged).</param>
    /// <param name="timeProvider">The clock.</param>
    public RunPodClient(HttpClient httpClient, RunPodClientOptions options, ILogger? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.EndpointId);
        _http = httpClient;
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _base = new Uri(options.ApiBase.ToString().TrimEnd('/') + "/" + Uri.EscapeDataString(options.EndpointId.Trim()) + "/");
    }

    /// <summary>Gets the endpoint base, for example <c>https://api.runpod.ai/v2/abc123/</c>.</summary>
    public Uri EndpointBase => _base;

    /// <summary>Gets the options.</summary>
    public RunPodClientOptions Options => _options;

    /// <summary>Queues a job (<c>POST /run</c>).</summary>
    /// <param name="input">The handler input (sent as <c>{"input": …}</c>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The job (usually <c>IN_QUEUE</c>).</returns>
    /// <exception cref="RunPodException">Refused (key, size), rate-limited past the budget, or unreachable.</exception>
    public Task<RunPodJobStatus> SubmitAsync(JsonObject input, CancellationToken cancellationToken = default)
        => PostJobAsync("run", input, RunPodClientOptions.RunBodyLimit, cancellationToken);

    /// <summary>Runs a job and waits for it on the server side (<c>POST /runsync?wait=</c>); when it does not finish in time the answer is still <c>IN_QUEUE</c>/<c>IN_PROGRESS</c> and <see cref="WaitAsync"/> continues.</summary>
    /// <param name="input">The handler input.</param>
    /// <param name="wait">How long the server holds the request (1–300 s); null uses <see cref="RunPodClientOptions.RunSyncWait"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The job status.</returns>
    public Task<RunPodJobStatus> RunSyncAsync(JsonObject input, TimeSpan? wait = null, CancellationToken cancellationToken = default)
    {
        var ms = (long)Math.Clamp((wait ?? _options.RunSyncWait).TotalMilliseconds, 1000, 300_000);
        return PostJobAsync("runsync?wait=" + ms.ToString(CultureInfo.InvariantCulture), input, RunPodClientOptions.RunSyncBodyLimit, cancellationToken);
    }

    /// <summary>Reads a job's status (<c>GET /status/{id}</c>).</summary>
    /// <param name="jobId">The job.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The status.</returns>
    public async Task<RunPodJobStatus> GetStatusAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        var answer = await SendAsync(HttpMethod.Get, "status/" + Uri.EscapeDataString(jobId), null, cancellationToken).ConfigureAwait(false);
        return RunPodJobStatus.FromJson(answer, jobId);
    }

    /// <summary>Reads a job's stream (<c>GET /stream/{id}</c>): its status and the partial outputs its worker yielded since the last read.</summary>
    /// <param name="jobId">The job.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The status (without timings) with <see cref="RunPodJobStatus.StreamOutputs"/>.</returns>
    /// <exception cref="RunPodException">Refused (404 when the endpoint has no <c>/stream</c> or does not know the job), or unreachable.</exception>
    public async Task<RunPodJobStatus> GetStreamAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        var answer = await SendAsync(HttpMethod.Get, "stream/" + Uri.EscapeDataString(jobId), null, cancellationToken).ConfigureAwait(false);
        var chunks = (answer.Root!["stream"] as JsonArray ?? [])
            .Select(c => c is JsonObject o && o.ContainsKey("output") ? o["output"] : c)
            .Where(c => c is not null)
            .Select(c => c!.DeepClone())
            .ToList();
        return RunPodJobStatus.FromJson(answer, jobId) with { StreamOutputs = chunks };
    }

    /// <summary>Cancels a job (<c>POST /cancel/{id}</c>).</summary>
    /// <param name="jobId">The job.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The status after the cancel.</returns>
    public async Task<RunPodJobStatus> CancelAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        var answer = await SendAsync(HttpMethod.Post, "cancel/" + Uri.EscapeDataString(jobId), null, cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("RunPod endpoint {Endpoint}: cancelled job {Job}", _options.EndpointId, jobId);
        return RunPodJobStatus.FromJson(answer, jobId);
    }

    /// <summary>Requeues a failed, timed-out or cancelled job with its original input (<c>POST /retry/{id}</c>).</summary>
    /// <param name="jobId">The job.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The status (usually <c>IN_QUEUE</c>).</returns>
    public async Task<RunPodJobStatus> RetryAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        var answer = await SendAsync(HttpMethod.Post, "retry/" + Uri.EscapeDataString(jobId), null, cancellationToken).ConfigureAwait(false);
        return RunPodJobStatus.FromJson(answer, jobId);
    }

    /// <summary>Reads the endpoint's health (<c>GET /health</c>).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Job and worker counts.</returns>
    public async Task<RunPodHealth> GetHealthAsync(CancellationToken cancellationToken = default)
    {
        var body = (JsonObject)(await SendAsync(HttpMethod.Get, "health", null, cancellationToken).ConfigureAwait(false)).Root!;
        static long N(JsonNode? n) => n is JsonValue v && v.TryGetValue<double>(out var d) ? (long)d : 0;
        var jobs = body["jobs"];
        var workers = body["workers"];
        return new RunPodHealth(N(jobs?["inQueue"]), N(jobs?["inProgress"]), N(jobs?["completed"]), N(jobs?["failed"]), N(workers?["idle"]), N(workers?["running"]), body);
    }

    /// <summary>
    /// Waits for a job through <c>/stream</c> (partial outputs arrive as <see cref="RunPodJobStatus.StreamOutputs"/>) or, when the
    /// endpoint lacks it or <see cref="RunPodClientOptions.UseStream"/> is off, <c>/status</c>, until it is final: the first poll comes after <see cref="RunPodClientOptions.PollInitialDelay"/>, the delay
    /// grows while nothing changes and restarts fast on every change. On cancellation the job is cancelled on RunPod and the
    /// <see cref="OperationCanceledException"/> propagates; when <see cref="RunPodClientOptions.Timeout"/> passes the job is cancelled
    /// and returned as <see cref="RunPodJobState.TimedOut"/> with <see cref="RunPodJobStatus.ClientDeadlinePassed"/>.
    /// </summary>
    /// <param name="jobId">The job.</param>
    /// <param name="progress">Receives every status change and timing update.</param>
    /// <param name="last">A status already known (for example from <c>/runsync</c>).</param>
    /// <param name="cancellationToken">Cancels the wait and the job.</param>
    /// <returns>The final status.</returns>
    public async Task<RunPodJobStatus> WaitAsync(string jobId, IProgress<RunPodJobStatus>? progress = null, RunPodJobStatus? last = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        using var span = DheeTelemetry.Start(DheeTelemetry.RunPodJobSpan, ActivityKind.Client);
        span?.SetTag(TelemetryTags.RunPodEndpointId, _options.EndpointId).SetTag(TelemetryTags.RunPodJobId, jobId);
        RunPodJobStatus status;
        try
        {
            status = await PollAsync(jobId, progress, last, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (DheeTelemetry.Fail(span, ex))
        {
            throw;
        }

        if (status.DelayTimeMs is long delay)
        {
            DheeTelemetry.QueueWait.Record(delay / 1000.0, new KeyValuePair<string, object?>(TelemetryTags.EndpointKind, TelemetryTags.RunPodKind));
        }

        if (span is not null)
        {
            span.SetTag(TelemetryTags.RunPodStatus, status.RawStatus).SetTag(TelemetryTags.RunPodDelayMs, status.DelayTimeMs).SetTag(TelemetryTags.RunPodExecutionMs, status.ExecutionTimeMs);
            if (status.State != RunPodJobState.Completed)
            {
                DheeTelemetry.SetError(span, status.Error ?? $"job ended {status.RawStatus}", "runpod." + status.RawStatus.ToLowerInvariant());
            }
        }

        return status;
    }

    internal static bool IsTransient(HttpStatusCode? status) => status is null || (int)status >= 500 || status == HttpStatusCode.TooManyRequests;

    private async Task<RunPodJobStatus> PollAsync(string jobId, IProgress<RunPodJobStatus>? progress, RunPodJobStatus? last, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var delay = _options.PollInitialDelay;
        var failures = 0;
        if (last is not null)
        {
            progress?.Report(last);
            if (last.IsTerminal)
            {
                return last;
            }
        }

        try
        {
            while (true)
            {
                var remaining = _options.Timeout - _time.GetElapsedTime(started);
                if (remaining <= TimeSpan.Zero)
                {
                    return await GiveUpAsync(jobId, last).ConfigureAwait(false);
                }

                await Task.Delay(delay < remaining ? delay : remaining, _time, cancellationToken).ConfigureAwait(false);
                RunPodJobStatus status;
                try
                {
                    status = await NextStatusAsync(jobId, last, cancellationToken).ConfigureAwait(false);
                    failures = 0;
                }
                catch (RunPodException ex) when (IsTransient(ex.StatusCode) && ++failures < Math.Max(1, _options.MaxPollFailures))
                {
                    _logger.LogWarning("RunPod endpoint {Endpoint}: polling job {Job} failed ({Reason}); trying again", _options.EndpointId, jobId, ex.Message);
                    delay = Grow(delay);
                    continue;
                }

                var changed = last is null || status.State != last.State || status.StreamOutputs.Count > 0;
                if (changed || status.DelayTimeMs != last!.DelayTimeMs || status.ExecutionTimeMs != last.ExecutionTimeMs)
                {
                    progress?.Report(status);
                }

                if (changed)
                {
                    _logger.LogDebug("RunPod endpoint {Endpoint}: job {Job} is {Status}", _options.EndpointId, jobId, status.RawStatus);
                }

                last = status;
                if (status.IsTerminal)
                {
                    return status;
                }

                delay = changed ? _options.PollInitialDelay : Grow(delay);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await CancelQuietlyAsync(jobId).ConfigureAwait(false);
            throw;
        }
    }

    // One step of waiting: /stream while the endpoint has it (partial outputs as progress, the final answer from /status),
    // else /status.
    private async Task<RunPodJobStatus> NextStatusAsync(string jobId, RunPodJobStatus? last, CancellationToken ct)
    {
        if (!_options.UseStream || Volatile.Read(ref _streamMissing))
        {
            return await GetStatusAsync(jobId, ct).ConfigureAwait(false);
        }

        RunPodJobStatus streamed;
        try
        {
            streamed = await GetStreamAsync(jobId, ct).ConfigureAwait(false);
        }
        catch (RunPodException ex) when (ex.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotImplemented)
        {
            // Only when /status knows the job is the route itself missing (an unknown job fails here with /status's message).
            var polled = await GetStatusAsync(jobId, ct).ConfigureAwait(false);
            Volatile.Write(ref _streamMissing, true);
            _logger.LogInformation("RunPod endpoint {Endpoint}: /stream is not available ({Reason}); polling /status instead", _options.EndpointId, ex.Message);
            return polled;
        }

        if (streamed.IsTerminal || streamed.State == RunPodJobState.Unknown)
        {
            // /stream carries no output, error or timings: the final word comes from /status.
            return await GetStatusAsync(jobId, ct).ConfigureAwait(false) with { StreamOutputs = streamed.StreamOutputs };
        }

        return streamed with { DelayTimeMs = last?.DelayTimeMs, ExecutionTimeMs = last?.ExecutionTimeMs };
    }

    /// <summary>Writes one output file to disk: base64 is decoded in chunks (a value too long to keep in memory is read again from <c>/status</c> and decoded straight from the response stream), URLs are downloaded streamed (without the RunPod key); a temporary file beside the destination is renamed into place, so no partial file is ever left.</summary>
    /// <param name="item">The output.</param>
    /// <param name="destinationPath">Where to write it.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The number of bytes written.</returns>
    public async Task<long> SaveOutputAsync(RunPodOutputItem item, string destinationPath, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentException.ThrowIfNullOrWhiteSpace(destinationPath);
        var full = Path.GetFullPath(destinationPath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = AtomicFile.TempPathFor(full);
        try
        {
            long written;
            var output = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
            await using (output.ConfigureAwait(false))
            {
                written = item.IsUrl ? await DownloadAsync(item, output, cancellationToken).ConfigureAwait(false)
                    : item.IsDeferred ? await RereadAsync(item, output, cancellationToken).ConfigureAwait(false)
                    : await DecodeAsync(item, output, cancellationToken).ConfigureAwait(false);
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            if (written == 0)
            {
                throw new RunPodException($"RunPod endpoint {_options.EndpointId} returned an empty output {item.Filename}");
            }

            File.Move(temp, full, overwrite: true);
            DheeTelemetry.BytesDownloaded.Add(written, new KeyValuePair<string, object?>(TelemetryTags.EndpointKind, TelemetryTags.RunPodKind));
            return written;
        }
        finally
        {
            AtomicFile.TryDelete(temp);
        }
    }

    // Base64 held in memory, through the same decoder as streamed values (whitespace, missing padding), a slice at a time.
    private static async Task<long> DecodeAsync(RunPodOutputItem item, Stream output, CancellationToken ct)
    {
        const int CharsPerSlice = 16 * 1024;
        var ascii = ArrayPool<byte>.Shared.Rent(CharsPerSlice);
        using var decoder = new RunPodBase64Decoder(output, ct);
        try
        {
            for (var offset = 0; offset < item.Data.Length; offset += CharsPerSlice)
            {
                var slice = item.Data.AsSpan(offset, Math.Min(CharsPerSlice, item.Data.Length - offset));
                var count = Encoding.ASCII.GetBytes(slice, ascii);
                await decoder.AddAsync(ascii.AsMemory(0, count)).ConfigureAwait(false);
            }

            await decoder.CompleteAsync().ConfigureAwait(false);
            return decoder.Written;
        }
        catch (FormatException ex)
        {
            throw new RunPodException($"output {item.Filename} cannot be decoded: {ex.Message}; the worker's answer is corrupt", null, ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(ascii);
        }
    }

    // A base64 output too long to keep was cut while polling: read the job's answer again and decode that value straight into the file.
    private async Task<long> RereadAsync(RunPodOutputItem item, Stream output, CancellationToken ct)
    {
        var answer = await SendAsync(HttpMethod.Get, "status/" + Uri.EscapeDataString(item.JobId!), null, ct, item.DeferredPath, output).ConfigureAwait(false);
        return answer.Decoded ?? throw new RunPodException($"RunPod endpoint {_options.EndpointId} no longer lists output {item.Filename} of job {item.JobId} ({item.DeferredPath}); RunPod keeps results for a limited time (30 minutes after /run, 1 minute after /runsync), so rerun the job");
    }

    private async Task<long> DownloadAsync(RunPodOutputItem item, Stream output, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, item.Data);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new RunPodException($"could not download output {item.Filename} from {UrlRedaction.ForDisplay(item.Data)}: {ex.Message}", null, ex);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new RunPodException($"downloading output {item.Filename} from {UrlRedaction.ForDisplay(item.Data)} answered {(int)response.StatusCode}; S3 links expire, so rerun the job or raise the bucket's link lifetime", response.StatusCode);
            }

            var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                var before = output.Position;
                await body.CopyToAsync(output, 256 * 1024, ct).ConfigureAwait(false);
                var written = output.Position - before;
                if (response.Content.Headers.ContentLength is long expected && expected != written)
                {
                    throw new RunPodException($"output {item.Filename} arrived short: {written} of {expected} bytes");
                }

                return written;
            }
        }
    }

    private TimeSpan Grow(TimeSpan delay)
    {
        var next = TimeSpan.FromTicks((long)(delay.Ticks * Math.Max(1.0, _options.PollGrowth)));
        return next > _options.PollMaxDelay ? _options.PollMaxDelay : next;
    }

    private async Task<RunPodJobStatus> GiveUpAsync(string jobId, RunPodJobStatus? last)
    {
        _logger.LogWarning("RunPod endpoint {Endpoint}: job {Job} did not finish within {Timeout}; cancelling it", _options.EndpointId, jobId, _options.Timeout);
        await CancelQuietlyAsync(jobId).ConfigureAwait(false);
        return new RunPodJobStatus(jobId, RunPodJobState.TimedOut, "TIMED_OUT", last?.DelayTimeMs, last?.ExecutionTimeMs, null, $"no result within this client's deadline of {_options.Timeout.TotalSeconds:0.#} s (last status {last?.RawStatus ?? "unknown"}); the job was cancelled")
        {
            ClientDeadlinePassed = true,
        };
    }

    private async Task CancelQuietlyAsync(string jobId)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await CancelAsync(jobId, cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RunPodException or OperationCanceledException or HttpRequestException)
        {
            _logger.LogWarning("RunPod endpoint {Endpoint}: could not cancel job {Job}: {Reason}", _options.EndpointId, jobId, ex.Message);
        }
    }

    private async Task<RunPodJobStatus> PostJobAsync(string route, JsonObject input, long limit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        var bytes = Encoding.UTF8.GetBytes(new JsonObject { ["input"] = input.DeepClone() }.ToJsonString());
        if (bytes.LongLength > limit)
        {
            throw new RunPodException($"the request to RunPod endpoint {_options.EndpointId} is {Megabytes(bytes.LongLength)}, over the {Megabytes(limit)} limit of /{route.Split('?')[0]}; send smaller inputs (resize or compress images) or use a local ComfyUI endpoint", HttpStatusCode.RequestEntityTooLarge);
        }

        var answer = await SendAsync(HttpMethod.Post, route, bytes, ct).ConfigureAwait(false);
        var status = RunPodJobStatus.FromJson(answer, string.Empty);
        if (string.IsNullOrEmpty(status.Id))
        {
            throw new RunPodException($"RunPod endpoint {_options.EndpointId} accepted the job but answered without an id: {Snippet(answer.Root!.ToJsonString())}");
        }

        _logger.LogInformation("RunPod endpoint {Endpoint}: job {Job} submitted ({Status})", _options.EndpointId, status.Id, status.RawStatus);
        return status;
    }

    internal static string Megabytes(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("0.##", CultureInfo.InvariantCulture) + " MB";

    // Sends one API request (429s waited out) and reads the JSON answer streamed: long values are cut (see RunPodJsonScanner),
    // or the value at `target` is decoded from base64 into `destination`.
    private async Task<RunPodJsonScanner.Result> SendAsync(HttpMethod method, string route, byte[]? body, CancellationToken ct, string? target = null, Stream? destination = null)
    {
        if (string.IsNullOrEmpty(_options.ApiKey))
        {
            throw new RunPodException($"RunPod endpoint {_options.EndpointId} needs an API key: set the environment variable {_options.CredentialVariable} (or the one named by the endpoint's credentialEnv)", HttpStatusCode.Unauthorized);
        }

        var display = route.Split('?')[0];
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, new Uri(_base, route));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.ApiKey);
            foreach (var (name, value) in _options.Headers)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            if (body is not null)
            {
                request.Content = new ByteArrayContent(body);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(_options.RequestTimeout);
            try
            {
                // Headers first: an answer carrying outputs can be tens of megabytes and is never held whole.
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    if (attempt >= _options.MaxRateLimitRetries)
                    {
                        throw new RunPodException($"RunPod endpoint {_options.EndpointId} kept answering 429 (rate limited) to {method} /{display} after {attempt + 1} attempts; lower the concurrency for this endpoint", response.StatusCode);
                    }

                    var wait = RetryAfter(response, attempt);
                    _logger.LogWarning("RunPod endpoint {Endpoint}: 429 on {Route}; waiting {Delay} ms", _options.EndpointId, display, (long)wait.TotalMilliseconds);
                    await Task.Delay(wait, _time, ct).ConfigureAwait(false);
                    continue;
                }

                if (!response.IsSuccessStatusCode)
                {
                    var text = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
                    var hint = response.StatusCode switch
                    {
                        HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => $"; check the API key in {_options.CredentialVariable}",
                        HttpStatusCode.NotFound when display.StartsWith("status", StringComparison.Ordinal) => "; the job is unknown or expired (RunPod keeps /run results 30 minutes, /runsync results 1 minute)",
                        HttpStatusCode.NotFound => "; check the endpoint id",
                        HttpStatusCode.RequestEntityTooLarge => "; send smaller inputs",
                        _ => string.Empty,
                    };
                    throw new RunPodException($"RunPod endpoint {_options.EndpointId} answered {(int)response.StatusCode} to {method} /{display}: {Snippet(text)}{hint}", response.StatusCode);
                }

                var stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    try
                    {
                        var answer = await RunPodJsonScanner.ReadAsync(stream, target, destination, timeout.Token).ConfigureAwait(false);
                        return answer.Root is JsonObject ? answer : throw new JsonException("not an object");
                    }
                    catch (JsonException ex)
                    {
                        throw new RunPodException($"RunPod endpoint {_options.EndpointId} answered {method} /{display} with invalid JSON: {ex.Message}", response.StatusCode, ex);
                    }
                    catch (FormatException ex)
                    {
                        throw new RunPodException($"RunPod endpoint {_options.EndpointId}: {target} in the answer to {method} /{display} cannot be decoded: {ex.Message}; the worker's answer is corrupt", response.StatusCode, ex);
                    }
                }
            }
            catch (OperationCanceledException ex) when (!ct.IsCancellationRequested)
            {
                throw new RunPodException($"RunPod endpoint {_options.EndpointId} did not answer {method} /{display} within {_options.RequestTimeout.TotalSeconds:0.#} s", null, ex);
            }
            catch (HttpRequestException ex)
            {
                throw new RunPodException($"RunPod endpoint {_options.EndpointId} could not be reached at {UrlRedaction.WithoutSecrets(_base)}: {ex.Message}", null, ex);
            }
            catch (IOException ex)
            {
                throw new RunPodException($"the answer of RunPod endpoint {_options.EndpointId} to {method} /{display} broke off: {ex.Message}", null, ex);
            }
        }
    }

    private TimeSpan RetryAfter(HttpResponseMessage response, int attempt)
    {
        TimeSpan wait;
        if (response.Headers.RetryAfter?.Delta is TimeSpan delta)
        {
            wait = delta;
        }
        else if (response.Headers.RetryAfter?.Date is DateTimeOffset date)
        {
            wait = date - _time.GetUtcNow();
        }
        else
        {
            wait = TimeSpan.FromMilliseconds(500 * Math.Pow(2, attempt));
        }

        if (wait < TimeSpan.Zero)
        {
            wait = TimeSpan.Zero;
        }

        return wait > _options.MaxRetryAfter ? _options.MaxRetryAfter : wait;
    }

    private static string Snippet(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
