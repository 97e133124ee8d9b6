using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dhee.Comfy;
using Dhee.Testing.Comfy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Dhee.Testing.RunPod;

/// <summary>
/// A RunPod serverless endpoint running worker-comfyui, on 127.0.0.1 (a free port): <c>/v2/{id}/run</c>, <c>/runsync?wait=</c>,
/// <c>/status/{job}</c>, <c>/cancel/{job}</c>, <c>/retry/{job}</c> and <c>/health</c>, with the real job lifecycle
/// (<c>IN_QUEUE</c> → <c>IN_PROGRESS</c> → <c>COMPLETED</c>/<c>FAILED</c>/<c>CANCELLED</c>/<c>TIMED_OUT</c>, <c>delayTime</c>,
/// <c>executionTime</c>), worker-comfyui's input and output schemas (v5 <c>images[]</c> as base64 or S3 URLs served by this
/// server, <c>errors[]</c>, <c>success_no_images</c>; pre-v5 <c>message</c>), 429 with <c>Retry-After</c>, body limits and
/// Bearer key checks. Workflows run on a <see cref="LoopbackComfyServer"/> when one is given.
/// </summary>
/// <example>
/// <code>
/// await using var runpod = await LoopbackRunPodServer.StartAsync(new LoopbackRunPodServerOptions { Comfy = comfy });
/// // point a client at runpod.ApiBase (…/v2) with endpoint id runpod.EndpointId and key runpod.ApiKey
/// </code>
/// </example>
public sealed class LoopbackRunPodServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly LoopbackRunPodServerOptions _options;
    private readonly ConcurrentDictionary<string, Job> _jobs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte[]> _s3 = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _requestLog = new();
    private readonly ConcurrentQueue<string> _authorizations = new();
    private readonly CancellationTokenSource _stop = new();
    private int _retried;
    private int _active;
    private int _maxActive;

    private LoopbackRunPodServer(WebApplication app, LoopbackRunPodServerOptions options)
    {
        _app = app;
        _options = options;
    }

    /// <summary>Gets the server root, for example <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseUri { get; private set; } = new("http://127.0.0.1/");

    /// <summary>Gets the API base to use instead of <c>https://api.runpod.ai/v2</c>: <c>http://127.0.0.1:41234/v2</c>.</summary>
    public Uri ApiBase => new(BaseUri, "v2");

    /// <summary>Gets the endpoint base: <c>http://127.0.0.1:41234/v2/{endpoint id}</c>.</summary>
    public Uri EndpointBase => new(BaseUri, "v2/" + _options.EndpointId);

    /// <summary>Gets the endpoint id.</summary>
    public string EndpointId => _options.EndpointId;

    /// <summary>Gets the API key the server expects.</summary>
    public string ApiKey => _options.ApiKey;

    /// <summary>Gets the settings (the output mode and delays may be changed between jobs).</summary>
    public LoopbackRunPodServerOptions Options => _options;

    /// <summary>Gets the fault switches.</summary>
    public LoopbackRunPodFaults Faults { get; } = new();

    /// <summary>Gets every request received so far as <c>METHOD /path</c> (path after the endpoint id, for example <c>POST /run</c>), oldest first.</summary>
    public IReadOnlyList<string> RequestLog => [.. _requestLog];

    /// <summary>Gets the job inputs received so far (the <c>input</c> objects), oldest first.</summary>
    public IReadOnlyList<JsonObject> ReceivedInputs => [.. _jobs.Values.OrderBy(j => j.Sequence).Select(j => (JsonObject)j.Input.DeepClone())];

    /// <summary>Gets the most jobs that were queued or running at the same time so far.</summary>
    public int MaxActiveJobs => Volatile.Read(ref _maxActive);

    /// <summary>Gets the number of requests refused because their key was missing or wrong.</summary>
    public int Unauthorized => _authorizations.Count;

    /// <summary>Starts a server on 127.0.0.1 with a free port.</summary>
    /// <param name="options">Settings.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server; dispose it to stop.</returns>
    public static async Task<LoopbackRunPodServer> StartAsync(LoopbackRunPodServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LoopbackRunPodServerOptions();
        var app = LoopbackHost.Build(64L * 1024 * 1024);
        var server = new LoopbackRunPodServer(app, options);
        app.Run(server.HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        server.BaseUri = new Uri(LoopbackHost.RootOf(app) + "/");
        return server;
    }

    /// <summary>Adds a partial output to a job's stream, as a generator handler's <c>yield</c> does; <c>/stream/{job}</c> returns each one once.</summary>
    /// <param name="jobId">The job.</param>
    /// <param name="output">The partial output (for example <c>{"value": 3, "max": 20}</c>).</param>
    /// <exception cref="KeyNotFoundException">No such job.</exception>
    public void PushStreamOutput(string jobId, JsonNode output) => _jobs[jobId].Stream.Enqueue(output.DeepClone());

    /// <summary>Gets the current status of a job as the server would report it.</summary>
    /// <param name="jobId">The job.</param>
    /// <returns>The status (<c>IN_QUEUE</c>, …), or null for an unknown job.</returns>
    public string? GetJobStatus(string jobId) => _jobs.TryGetValue(jobId, out var job) ? job.Status : null;

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var job in _jobs.Values)
        {
            try
            {
                await job.Worker.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private static async Task WriteJsonAsync(HttpContext ctx, int status, JsonNode body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(body.ToJsonString(), ctx.RequestAborted).ConfigureAwait(false);
    }

    private static async Task WriteBytesAsync(HttpContext ctx, byte[] body)
    {
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        ctx.Response.ContentLength = body.Length;
        await WriteChunkedAsync(ctx, body).ConfigureAwait(false);
    }

    // Slice by slice, so Kestrel's output pipe applies backpressure instead of buffering a whole large answer.
    private static async Task WriteChunkedAsync(HttpContext ctx, byte[] body)
    {
        for (var offset = 0; offset < body.Length; offset += 64 * 1024)
        {
            await ctx.Response.Body.WriteAsync(body.AsMemory(offset, Math.Min(64 * 1024, body.Length - offset)), ctx.RequestAborted).ConfigureAwait(false);
        }
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value ?? "/";
        if (path.StartsWith("/s3/", StringComparison.Ordinal))
        {
            _requestLog.Enqueue($"GET {path}");
            if (_s3.TryGetValue(path[4..], out var bytes))
            {
                ctx.Response.ContentType = "application/octet-stream";
                ctx.Response.ContentLength = bytes.Length;
                await WriteChunkedAsync(ctx, bytes).ConfigureAwait(false);
            }
            else
            {
                ctx.Response.StatusCode = 404;
            }

            return;
        }

        var prefix = "/v2/" + _options.EndpointId + "/";
        if (!path.StartsWith(prefix, StringComparison.Ordinal))
        {
            await WriteJsonAsync(ctx, 404, new JsonObject { ["error"] = "endpoint not found" }).ConfigureAwait(false);
            return;
        }

        var rest = path[(prefix.Length - 1)..];
        _requestLog.Enqueue($"{ctx.Request.Method} {rest}");
        var auth = ctx.Request.Headers.Authorization.ToString();
        if (!string.Equals(auth, "Bearer " + _options.ApiKey, StringComparison.Ordinal))
        {
            _authorizations.Enqueue(rest);
            ctx.Response.StatusCode = 401;
            await ctx.Response.WriteAsync("Unauthorized", ctx.RequestAborted).ConfigureAwait(false);
            return;
        }

        var segments = rest.Trim('/').Split('/');
        var route = segments[0];
        if (Faults.TryTakeRateLimit(route, out var retryAfter))
        {
            if (retryAfter > 0)
            {
                ctx.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
            }

            await WriteJsonAsync(ctx, 429, new JsonObject { ["error"] = "rate limit exceeded" }).ConfigureAwait(false);
            return;
        }

        switch (ctx.Request.Method, route, segments.Length)
        {
            case ("POST", "run", 1):
                await HandleRunAsync(ctx, sync: false).ConfigureAwait(false);
                break;
            case ("POST", "runsync", 1):
                await HandleRunAsync(ctx, sync: true).ConfigureAwait(false);
                break;
            case ("GET" or "POST", "status", 2):
                if (_jobs.TryGetValue(segments[1], out var job))
                {
                    await WriteBytesAsync(ctx, job.StatusBytes()).ConfigureAwait(false);
                }
                else
                {
                    await WriteJsonAsync(ctx, 404, new JsonObject { ["error"] = "job not found" }).ConfigureAwait(false);
                }

                break;
            case ("GET" or "POST", "stream", 2) when !Faults.StreamUnsupported:
                await WriteJsonAsync(ctx, _jobs.TryGetValue(segments[1], out var streamed) ? 200 : 404, streamed?.StreamBody() ?? new JsonObject { ["error"] = "job not found" }).ConfigureAwait(false);
                break;
            case ("POST", "cancel", 2):
                await HandleCancelAsync(ctx, segments[1]).ConfigureAwait(false);
                break;
            case ("POST", "retry", 2):
                await HandleRetryAsync(ctx, segments[1]).ConfigureAwait(false);
                break;
            case ("GET", "health", 1):
                await WriteJsonAsync(ctx, 200, HealthBody()).ConfigureAwait(false);
                break;
            default:
                await WriteJsonAsync(ctx, 404, new JsonObject { ["error"] = $"no route {ctx.Request.Method} {rest}" }).ConfigureAwait(false);
                break;
        }
    }

    private JsonObject HealthBody()
    {
        var jobs = _jobs.Values.ToList();
        var running = jobs.Count(j => j.Status == "IN_PROGRESS");
        return new JsonObject
        {
            ["jobs"] = new JsonObject
            {
                ["completed"] = jobs.Count(j => j.Status == "COMPLETED"),
                ["failed"] = jobs.Count(j => j.Status is "FAILED" or "TIMED_OUT"),
                ["inProgress"] = running,
                ["inQueue"] = jobs.Count(j => j.Status == "IN_QUEUE"),
                ["retried"] = Volatile.Read(ref _retried),
            },
            ["workers"] = new JsonObject { ["idle"] = running == 0 ? 1 : 0, ["running"] = running, ["ready"] = 1, ["initializing"] = 0, ["throttled"] = 0 },
        };
    }

    private async Task HandleRunAsync(HttpContext ctx, bool sync)
    {
        var limit = sync ? _options.RunSyncBodyLimit : _options.RunBodyLimit;
        using var buffer = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(buffer, ctx.RequestAborted).ConfigureAwait(false);
        if (buffer.Length > limit)
        {
            await WriteJsonAsync(ctx, 413, new JsonObject { ["error"] = $"request body of {buffer.Length} bytes exceeds the {(sync ? "runsync" : "run")} limit of {limit} bytes" }).ConfigureAwait(false);
            return;
        }

        JsonObject? input;
        try
        {
            input = JsonNode.Parse(buffer.ToArray())?["input"] as JsonObject;
        }
        catch (JsonException)
        {
            input = null;
        }

        if (input is null)
        {
            await WriteJsonAsync(ctx, 400, new JsonObject { ["error"] = "the body must be a JSON object with an \"input\" object" }).ConfigureAwait(false);
            return;
        }

        var job = new Job(this, Guid.NewGuid().ToString("D") + "-u1", input, _jobs.Count);
        _jobs[job.Id] = job;
        job.Start();
        if (!sync)
        {
            await WriteJsonAsync(ctx, 200, new JsonObject { ["id"] = job.Id, ["status"] = "IN_QUEUE" }).ConfigureAwait(false);
            return;
        }

        var waitMs = int.TryParse(ctx.Request.Query["wait"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var w) ? Math.Clamp(w, 1000, 300_000) : 90_000;
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
        wait.CancelAfter(waitMs);
        try
        {
            await job.Done.Task.WaitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ctx.RequestAborted.IsCancellationRequested)
        {
        }

        await WriteBytesAsync(ctx, job.StatusBytes()).ConfigureAwait(false);
    }

    private async Task HandleCancelAsync(HttpContext ctx, string id)
    {
        if (!_jobs.TryGetValue(id, out var job))
        {
            await WriteJsonAsync(ctx, 404, new JsonObject { ["error"] = "job not found" }).ConfigureAwait(false);
            return;
        }

        job.Finish("CANCELLED", null, null);
        await WriteJsonAsync(ctx, 200, new JsonObject { ["id"] = id, ["status"] = job.Status }).ConfigureAwait(false);
    }

    private async Task HandleRetryAsync(HttpContext ctx, string id)
    {
        if (!_jobs.TryGetValue(id, out var job))
        {
            await WriteJsonAsync(ctx, 404, new JsonObject { ["error"] = "job not found" }).ConfigureAwait(false);
            return;
        }

        if (job.Status is not ("FAILED" or "TIMED_OUT" or "CANCELLED"))
        {
            await WriteJsonAsync(ctx, 400, new JsonObject { ["error"] = $"job {id} is {job.Status}; only FAILED, TIMED_OUT or CANCELLED jobs can be retried" }).ConfigureAwait(false);
            return;
        }

        Interlocked.Increment(ref _retried);
        var again = new Job(this, id, job.Input, job.Sequence);
        _jobs[id] = again;
        again.Start();
        await WriteJsonAsync(ctx, 200, new JsonObject { ["id"] = id, ["status"] = "IN_QUEUE" }).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<LoopbackRunPodFile>> ProduceAsync(JsonObject input, CancellationToken ct)
    {
        if (_options.Handler is not null)
        {
            return await _options.Handler(input, ct).ConfigureAwait(false);
        }

        if (input["workflow"] is not JsonObject workflow)
        {
            throw new InvalidOperationException("Please provide the 'workflow' in the input.");
        }

        if (_options.Comfy is { } comfy)
        {
            return await RunOnComfyAsync(comfy, input, workflow, ct).ConfigureAwait(false);
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(workflow.ToJsonString()));
        var files = new List<LoopbackRunPodFile>();
        foreach (var (_, node) in workflow)
        {
            if (node?["class_type"]?.ToString() is { } cls && cls.StartsWith("Save", StringComparison.Ordinal))
            {
                var prefix = node["inputs"]?["filename_prefix"]?.ToString() ?? "ComfyUI";
                files.Add(new LoopbackRunPodFile($"{prefix.Replace('/', '_')}_{files.Count + 1:00000}_.png", LoopbackPng.Solid(8, 8, hash[0], hash[1], hash[2])));
            }
        }

        return files;
    }

    private static async Task<IReadOnlyList<LoopbackRunPodFile>> RunOnComfyAsync(LoopbackComfyServer comfy, JsonObject input, JsonObject workflow, CancellationToken ct)
    {
        if (input["images"] is JsonArray images)
        {
            foreach (var image in images.OfType<JsonObject>())
            {
                var name = image["name"]?.ToString() ?? throw new InvalidOperationException("'images' must contain objects with 'name' and 'image' keys");
                var data = image["image"]?.ToString() ?? string.Empty;
                var comma = data.StartsWith("data:", StringComparison.Ordinal) ? data.IndexOf(',', StringComparison.Ordinal) : -1;
                comfy.AddInputFile(name, Convert.FromBase64String(comma >= 0 ? data[(comma + 1)..] : data));
            }
        }

        using var http = new HttpClient();
        var client = new ComfyClient(http, new ComfyClientOptions { BaseUrl = comfy.BaseUri, OverallTimeout = TimeSpan.FromMinutes(5) });
        await using (client.ConfigureAwait(false))
        {
            var result = await client.RunAsync(workflow, null, ct).ConfigureAwait(false);
            if (!result.IsSuccess)
            {
                throw new InvalidOperationException(result.Message ?? $"Workflow execution error: {result.Status}");
            }

            var files = new List<LoopbackRunPodFile>();
            var temp = Path.Combine(Path.GetTempPath(), "dhee-runpod-" + Guid.NewGuid().ToString("N"));
            try
            {
                foreach (var file in result.Files.Where(f => f.Kind == "images" && !f.IsTemporary))
                {
                    await client.DownloadAsync(file, temp, ct).ConfigureAwait(false);
                    files.Add(new LoopbackRunPodFile(file.Filename, await File.ReadAllBytesAsync(temp, ct).ConfigureAwait(false)));
                }
            }
            finally
            {
                File.Delete(temp);
            }

            return files;
        }
    }

    private JsonObject FormatOutput(string jobId, IReadOnlyList<LoopbackRunPodFile> files)
    {
        if (files.Count == 0 || Faults.NoImages)
        {
            return new JsonObject { ["status"] = "success_no_images", ["images"] = new JsonArray() };
        }

        string UrlFor(LoopbackRunPodFile file)
        {
            var key = $"{jobId}/{Uri.EscapeDataString(file.Filename)}";
            _s3[key] = file.Bytes;
            return new Uri(BaseUri, "s3/" + key).ToString();
        }

        switch (_options.OutputMode)
        {
            case LoopbackRunPodOutputMode.LegacyBase64:
                return new JsonObject { ["status"] = "success", ["message"] = "data:image/png;base64," + Convert.ToBase64String(files[0].Bytes) };
            case LoopbackRunPodOutputMode.LegacyUrl:
                return new JsonObject { ["status"] = "success", ["message"] = UrlFor(files[0]) };
        }

        var list = new JsonArray();
        foreach (var file in files)
        {
            var s3 = _options.OutputMode == LoopbackRunPodOutputMode.S3Url;
            list.Add(new JsonObject { ["filename"] = file.Filename, ["type"] = s3 ? "s3_url" : "base64", ["data"] = s3 ? UrlFor(file) : Convert.ToBase64String(file.Bytes) });
        }

        var output = new JsonObject { ["images"] = list };
        if (Faults.OutputErrors.Count > 0)
        {
            output["errors"] = new JsonArray([.. Faults.OutputErrors.Select(e => (JsonNode)JsonValue.Create(e))]);
        }

        return output;
    }

    private sealed class Job(LoopbackRunPodServer server, string id, JsonObject input, int sequence)
    {
        private readonly object _gate = new();
        private readonly CancellationTokenSource _cancel = CancellationTokenSource.CreateLinkedTokenSource(server._stop.Token);
        private readonly long _submitted = Environment.TickCount64;
        private long _started;
        private long _finished;
        private byte[]? _final;

        public string Id { get; } = id;

        public JsonObject Input { get; } = input;

        public int Sequence { get; } = sequence;

        public string Status { get; private set; } = "IN_QUEUE";

        public JsonNode? Output { get; private set; }

        public string? Error { get; private set; }

        public Task Worker { get; private set; } = Task.CompletedTask;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Start()
        {
            var active = Interlocked.Increment(ref server._active);
            int max;
            while (active > (max = Volatile.Read(ref server._maxActive)) && Interlocked.CompareExchange(ref server._maxActive, active, max) != max)
            {
            }

            Worker = Task.Run(RunAsync);
        }

        public ConcurrentQueue<JsonNode> Stream { get; } = new();

        // RunPod's /stream answer: the status and the partial outputs not returned before.
        public JsonObject StreamBody()
        {
            var chunks = new JsonArray();
            while (Stream.TryDequeue(out var chunk))
            {
                chunks.Add(new JsonObject { ["output"] = chunk });
            }

            return new JsonObject { ["status"] = Status, ["stream"] = chunks };
        }

        // A final answer is serialized once (outputs can be tens of megabytes).
        public byte[] StatusBytes()
        {
            lock (_gate)
            {
                return _final ?? Encoding.UTF8.GetBytes(Body(Status, Output, Error, _finished).ToJsonString());
            }
        }

        public void Finish(string status, JsonNode? output, string? error)
        {
            lock (_gate)
            {
                if (Status is "COMPLETED" or "FAILED" or "CANCELLED" or "TIMED_OUT")
                {
                    return;
                }

                var finished = Environment.TickCount64;
                _final = Encoding.UTF8.GetBytes(Body(status, output, error, finished).ToJsonString());
                Output = output;
                Error = error;
                _finished = finished;
                Status = status;
            }

            Interlocked.Decrement(ref server._active);
            _cancel.Cancel();
            Done.TrySetResult();
        }

        private JsonObject Body(string status, JsonNode? output, string? error, long finished)
        {
            var body = new JsonObject { ["id"] = Id, ["status"] = status };
            if (_started > 0)
            {
                body["delayTime"] = _started - _submitted;
                body["executionTime"] = (finished > 0 ? finished : Environment.TickCount64) - _started;
            }

            if (output is not null)
            {
                body["output"] = output.DeepClone();
            }

            if (error is not null)
            {
                body["error"] = error;
            }

            body["workerId"] = "loopback-worker";
            return body;
        }

        private async Task RunAsync()
        {
            var ct = _cancel.Token;
            var options = server._options;
            try
            {
                await Task.Delay(options.QueueDelay, ct).ConfigureAwait(false);
                while (server.Faults.HoldInQueue)
                {
                    await Task.Delay(10, ct).ConfigureAwait(false);
                }

                lock (_gate)
                {
                    if (Status != "IN_QUEUE")
                    {
                        return;
                    }

                    Status = "IN_PROGRESS";
                    _started = Environment.TickCount64;
                }

                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(options.ExecutionTimeout);
                try
                {
                    if (server.Faults.TimeOutJobs)
                    {
                        Finish("TIMED_OUT", null, null);
                        return;
                    }

                    await Task.Delay(options.ExecutionDelay, timeout.Token).ConfigureAwait(false);
                    while (server.Faults.HangInProgress)
                    {
                        await Task.Delay(10, timeout.Token).ConfigureAwait(false);
                    }

                    if (server.Faults.FailJobsWith is { } failure)
                    {
                        Finish("FAILED", null, failure);
                        return;
                    }

                    var files = await server.ProduceAsync(Input, timeout.Token).ConfigureAwait(false);
                    Finish("COMPLETED", server.FormatOutput(Id, files), null);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    Finish("TIMED_OUT", null, null);
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception ex) when (ex is InvalidOperationException or FormatException or ComfyException or IOException or HttpRequestException)
            {
                Finish("FAILED", null, ex.Message);
            }
        }
    }
}
