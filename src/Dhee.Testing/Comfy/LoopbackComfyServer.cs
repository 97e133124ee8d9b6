using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Dhee.Testing.Comfy;

/// <summary>
/// A ComfyUI server on 127.0.0.1 (a free port) that speaks the real protocol of ComfyUI 0.3.18 byte for byte:
/// the HTTP routes (also under <c>/api</c>), WebSocket frame sequences, validation errors, runtime errors,
/// interrupts, uploads and <c>/view</c>. Nodes are not really computed: save nodes produce deterministic files.
/// <see cref="Faults"/> switches inject the failures real deployments show.
/// </summary>
/// <example>
/// <code>
/// await using var comfy = await LoopbackComfyServer.StartAsync();
/// var client = new ComfyClient(new HttpClient(), new ComfyClientOptions { BaseUrl = comfy.BaseUri });
/// </code>
/// </example>
public sealed partial class LoopbackComfyServer : IAsyncDisposable
{
    private static readonly Dictionary<string, string> ModelInputFolders = new(StringComparer.Ordinal)
    {
        ["ckpt_name"] = "checkpoints",
        ["lora_name"] = "loras",
        ["vae_name"] = "vae",
        ["unet_name"] = "diffusion_models",
        ["clip_name"] = "text_encoders",
        ["clip_name1"] = "text_encoders",
        ["clip_name2"] = "text_encoders",
        ["control_net_name"] = "controlnet",
        ["model_name"] = "upscale_models",
    };

    private readonly WebApplication _app;
    private readonly LoopbackComfyServerOptions _options;
    private readonly object _gate = new();
    private readonly List<QueuedPrompt> _pending = [];
    private readonly List<string> _historyOrder = [];
    private readonly Dictionary<string, JsonObject> _history = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ClientSocket> _sockets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StoredFile> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonObject?> _nodeCache = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _counters = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _requestLog = new();
    private readonly SemaphoreSlim _workSignal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Random _tempNames = new(1234);
    private readonly JsonObject _objectInfo;
    private readonly string _objectInfoText;
    private QueuedPrompt? _running;
    private string? _interruptTarget;
    private bool _interruptAll;
    private int _number;
    private int _generation;
    private Task _worker = Task.CompletedTask;
    private Task _heartbeat = Task.CompletedTask;

    private LoopbackComfyServer(WebApplication app, LoopbackComfyServerOptions options)
    {
        _app = app;
        _options = options;
        _objectInfo = BuildObjectInfo(options);
        _objectInfoText = PythonJson.Serialize(_objectInfo);
    }

    /// <summary>Gets the server's base address, for example <c>http://127.0.0.1:41234/</c> (with the path prefix when one is set).</summary>
    public Uri BaseUri { get; private set; } = new("http://127.0.0.1/");

    /// <summary>Gets the fault switches.</summary>
    public LoopbackComfyFaults Faults { get; } = new();

    /// <summary>Gets every request received so far as <c>METHOD /path?query</c> (path without prefixes), oldest first.</summary>
    public IReadOnlyList<string> RequestLog => [.. _requestLog];

    /// <summary>Gets the node catalog served at <c>/object_info</c>.</summary>
    public JsonObject ObjectInfo => (JsonObject)_objectInfo.DeepClone();

    /// <summary>Gets the number of prompts accepted into the queue so far.</summary>
    public int AcceptedPrompts { get; private set; }

    /// <summary>Gets the number of WebSocket connections accepted so far.</summary>
    public int SocketConnections { get; private set; }

    /// <summary>Gets the timestamp (from the server's clock) at which the last <c>executing null</c> frame was sent, in ticks of <see cref="TimeProvider.GetTimestamp"/>.</summary>
    public long LastCompletionFrameTimestamp { get; private set; }

    /// <summary>Starts a server on 127.0.0.1 with a free port.</summary>
    /// <param name="options">Settings; defaults serve the bundled ComfyUI 0.3.18 catalog at the root.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server; dispose it to stop.</returns>
    public static async Task<LoopbackComfyServer> StartAsync(LoopbackComfyServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LoopbackComfyServerOptions();
        var app = LoopbackHost.Build(100L * 1024 * 1024);
        var server = new LoopbackComfyServer(app, options);
        app.UseWebSockets();
        app.Run(server.HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var prefix = NormalizePrefix(options.PathPrefix);
        server.BaseUri = new Uri(LoopbackHost.RootOf(app) + prefix + "/");
        server._worker = Task.Run(server.WorkerLoopAsync, CancellationToken.None);
        server._heartbeat = Task.Run(server.HeartbeatLoopAsync, CancellationToken.None);
        return server;
    }

    /// <summary>Simulates a server restart: the queue, the running prompt, history and the execution cache are forgotten and every socket is dropped. Files on "disk" stay.</summary>
    public void Restart()
    {
        lock (_gate)
        {
            _generation++;
            _pending.Clear();
            _running = null;
            _history.Clear();
            _historyOrder.Clear();
            _nodeCache.Clear();
            _interruptAll = false;
            _interruptTarget = null;
        }

        foreach (var socket in _sockets.Values)
        {
            socket.Abort();
        }

        _sockets.Clear();
    }

    /// <summary>Closes every open WebSocket abruptly (clients must reconnect).</summary>
    public void DropSockets()
    {
        foreach (var socket in _sockets.Values)
        {
            socket.Abort();
        }
    }

    /// <summary>Places a file in the server's input folder, as if uploaded earlier.</summary>
    /// <param name="name">The file name.</param>
    /// <param name="bytes">The contents.</param>
    public void AddInputFile(string name, byte[] bytes) => _files[Key("input", string.Empty, name)] = new StoredFile(bytes, bytes.LongLength);

    /// <summary>Reads a file stored by the server (uploaded input or small produced output).</summary>
    /// <param name="type">input, output or temp.</param>
    /// <param name="subfolder">The subfolder, empty for none.</param>
    /// <param name="name">The file name.</param>
    /// <returns>The bytes, or <see langword="null"/> when absent or generated on the fly.</returns>
    public byte[]? GetFile(string type, string subfolder, string name)
        => _files.TryGetValue(Key(type, subfolder, name), out var f) ? f.Bytes : null;

    /// <summary>Gets the names of the files in the input folder.</summary>
    public IReadOnlyList<string> InputFiles => [.. _files.Keys.Where(k => k.StartsWith("input/", StringComparison.Ordinal)).Select(k => k[(k.LastIndexOf('/') + 1)..])];

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        DropSockets();
        try
        {
            await Task.WhenAll(_worker, _heartbeat).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
        _workSignal.Dispose();
    }

    private static string NormalizePrefix(string prefix)
    {
        var p = prefix.Trim().TrimEnd('/');
        return p.Length == 0 ? string.Empty : (p.StartsWith('/') ? p : "/" + p);
    }

    private static string Key(string type, string subfolder, string name) => $"{type}/{subfolder}/{name}";

    private static JsonObject BuildObjectInfo(LoopbackComfyServerOptions options)
    {
        JsonObject info;
        if (options.ObjectInfo is not null)
        {
            info = (JsonObject)options.ObjectInfo.DeepClone();
        }
        else
        {
            info = LoopbackObjectInfo.Load();
        }

        foreach (var (name, def) in options.AdditionalNodeClasses)
        {
            info[name] = def.DeepClone();
        }

        foreach (var (_, def) in info)
        {
            if (def?["input"] is not JsonObject input)
            {
                continue;
            }

            foreach (var group in new[] { "required", "optional" })
            {
                if (input[group] is not JsonObject inputs)
                {
                    continue;
                }

                foreach (var (inputName, spec) in inputs)
                {
                    if (ModelInputFolders.TryGetValue(inputName, out var folder)
                        && options.Models.TryGetValue(folder, out var files)
                        && spec is JsonArray arr && arr.Count > 0 && arr[0] is JsonArray)
                    {
                        arr[0] = new JsonArray([.. files.Select(f => (JsonNode)JsonValue.Create(f)!)]);
                    }
                }
            }
        }

        return info;
    }

    private long NowMs() => _options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();

    private async Task HandleAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value ?? "/";
        var prefix = NormalizePrefix(_options.PathPrefix);
        if (prefix.Length > 0)
        {
            if (!path.StartsWith(prefix, StringComparison.Ordinal))
            {
                await WriteTextAsync(ctx, 404, "404: Not Found").ConfigureAwait(false);
                return;
            }

            path = path[prefix.Length..];
        }

        if (path == "/api" || path.StartsWith("/api/", StringComparison.Ordinal))
        {
            path = path.Length == 4 ? "/" : path[4..];
        }

        var method = ctx.Request.Method;
        _requestLog.Enqueue($"{method} {path}{ctx.Request.QueryString}");

        foreach (var (name, value) in _options.RequiredHeaders)
        {
            if (!string.Equals(ctx.Request.Headers[name].ToString(), value, StringComparison.Ordinal))
            {
                await WriteTextAsync(ctx, 401, "401: Unauthorized").ConfigureAwait(false);
                return;
            }
        }

        if (Faults.TryTakeFailure(method, path, out var failure))
        {
            switch (failure)
            {
                case LoopbackFailureKind.ConnectionReset:
                    ctx.Abort();
                    return;
                case LoopbackFailureKind.ResetAfterProcessing or LoopbackFailureKind.HangAfterProcessing:
                    await ProcessThenWithholdAnswerAsync(ctx, method, path, hang: failure == LoopbackFailureKind.HangAfterProcessing).ConfigureAwait(false);
                    return;
                case LoopbackFailureKind.BadGateway:
                    await WriteTextAsync(ctx, 502, "502 Bad Gateway").ConfigureAwait(false);
                    return;
                case LoopbackFailureKind.ServiceUnavailable:
                    await WriteTextAsync(ctx, 503, "503 Service Unavailable").ConfigureAwait(false);
                    return;
                default:
                    await WriteTextAsync(ctx, 504, "504 Gateway Timeout").ConfigureAwait(false);
                    return;
            }
        }

        try
        {
            await RouteAsync(ctx, method, path).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
        }
    }

    /// <summary>Runs the route with its answer thrown away, then resets the connection (at once, or when the client gives up).</summary>
    private async Task ProcessThenWithholdAnswerAsync(HttpContext ctx, string method, string path, bool hang)
    {
        ctx.Response.Body = Stream.Null;
        try
        {
            await RouteAsync(ctx, method, path).ConfigureAwait(false);
            if (hang)
            {
                using var either = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, _stop.Token);
                await Task.Delay(Timeout.Infinite, either.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }

        ctx.Abort();
    }

    private Task RouteAsync(HttpContext ctx, string method, string path)
    {
        var get = HttpMethods.IsGet(method) || HttpMethods.IsHead(method);
        var post = HttpMethods.IsPost(method);
        return path switch
        {
            "/ws" when get => HandleSocketAsync(ctx),
            "/system_stats" when get && _options.ServeSystemStats => WriteJsonAsync(ctx, 200, SystemStats()),
            "/queue" when get => WriteJsonAsync(ctx, 200, QueueBody()),
            "/queue" when post => HandleQueuePostAsync(ctx),
            "/prompt" when get => WriteJsonAsync(ctx, 200, new JsonObject { ["exec_info"] = new JsonObject { ["queue_remaining"] = QueueRemaining() } }),
            "/prompt" when post => HandlePromptPostAsync(ctx),
            "/history" when get => WriteJsonAsync(ctx, 200, HistoryBody(ctx.Request.Query["max_items"].ToString())),
            "/history" when post => HandleHistoryPostAsync(ctx),
            "/interrupt" when post => HandleInterruptAsync(ctx),
            "/object_info" when get => WriteRawJsonAsync(ctx, 200, _objectInfoText),
            "/embeddings" when get => WriteJsonAsync(ctx, 200, new JsonArray()),
            "/extensions" when get => WriteJsonAsync(ctx, 200, new JsonArray()),
            "/features" when get => WriteJsonAsync(ctx, 200, new JsonObject { ["supports_preview_metadata"] = false, ["max_upload_size"] = 104857600 }),
            "/models" when get => WriteJsonAsync(ctx, 200, new JsonArray([.. ModelFolders().Select(f => (JsonNode)JsonValue.Create(f)!)])),
            "/upload/image" when post => HandleUploadAsync(ctx, mask: false),
            "/upload/mask" when post => HandleUploadAsync(ctx, mask: true),
            "/view" when get => HandleViewAsync(ctx),
            "/" when get => WriteTextAsync(ctx, 200, "<html><body>loopback ComfyUI</body></html>", "text/html"),
            _ when _options.ServeJobsApi && IsJobsRoute(path) => HandleJobsAsync(ctx, method, path),
            _ when get && path.StartsWith("/history/", StringComparison.Ordinal) => WriteJsonAsync(ctx, 200, HistoryFor(Uri.UnescapeDataString(path[9..]))),
            _ when get && path.StartsWith("/object_info/", StringComparison.Ordinal) => WriteJsonAsync(ctx, 200, ObjectInfoFor(Uri.UnescapeDataString(path[13..]))),
            _ when get && path.StartsWith("/models/", StringComparison.Ordinal) => HandleModelsAsync(ctx, Uri.UnescapeDataString(path[8..])),
            _ => WriteTextAsync(ctx, 404, "404: Not Found"),
        };
    }

    private JsonObject SystemStats() => new()
    {
        ["system"] = new JsonObject
        {
            ["os"] = "posix",
            ["ram_total"] = 25276510208L,
            ["ram_free"] = 24641728512L,
            ["comfyui_version"] = "0.3.18",
            ["python_version"] = "3.11.2 (main, Apr 28 2025, 14:11:48) [GCC 12.2.0]",
            ["pytorch_version"] = "1.13.0a0",
            ["embedded_python"] = false,
            ["argv"] = new JsonArray("main.py", "--cpu", "--listen", "127.0.0.1", "--port", "8188", "--disable-all-custom-nodes"),
        },
        ["devices"] = new JsonArray(new JsonObject
        {
            ["name"] = "cpu",
            ["type"] = "cpu",
            ["index"] = null,
            ["vram_total"] = _options.VramTotal,
            ["vram_free"] = _options.VramFree,
            ["torch_vram_total"] = _options.VramTotal,
            ["torch_vram_free"] = _options.VramFree,
        }),
    };

    private JsonObject ObjectInfoFor(string cls)
        => _objectInfo[cls] is JsonNode def ? new JsonObject { [cls] = def.DeepClone() } : [];

    private IEnumerable<string> ModelFolders()
        => new[] { "checkpoints", "loras", "vae", "text_encoders", "diffusion_models", "clip_vision", "style_models", "embeddings", "diffusers", "vae_approx", "controlnet", "gligen", "upscale_models", "custom_nodes", "hypernetworks", "photomaker", "classifiers" }
            .Concat(_options.Models.Keys).Distinct(StringComparer.Ordinal);

    private Task HandleModelsAsync(HttpContext ctx, string folder)
    {
        if (!ModelFolders().Contains(folder, StringComparer.Ordinal))
        {
            return WriteTextAsync(ctx, 404, "404: Not Found");
        }

        var files = _options.Models.TryGetValue(folder, out var list) ? list : [];
        return WriteJsonAsync(ctx, 200, new JsonArray([.. files.Select(f => (JsonNode)JsonValue.Create(f)!)]));
    }

    private int QueueRemaining()
    {
        lock (_gate)
        {
            return _pending.Count + (_running is null ? 0 : 1);
        }
    }

    private JsonObject QueueBody()
    {
        lock (_gate)
        {
            var running = new JsonArray();
            if (_running is not null)
            {
                running.Add(_running.ToQueueEntry());
            }

            var pending = new JsonArray([.. _pending.Select(p => (JsonNode)p.ToQueueEntry())]);
            return new JsonObject { ["queue_running"] = running, ["queue_pending"] = pending };
        }
    }

    private JsonObject HistoryBody(string maxItems)
    {
        lock (_gate)
        {
            IEnumerable<string> ids = _historyOrder;
            if (int.TryParse(maxItems, out var max) && max >= 0)
            {
                ids = _historyOrder.Skip(Math.Max(0, _historyOrder.Count - max));
            }

            var result = new JsonObject();
            foreach (var id in ids)
            {
                result[id] = _history[id].DeepClone();
            }

            return result;
        }
    }

    private JsonObject HistoryFor(string id)
    {
        lock (_gate)
        {
            return _history.TryGetValue(id, out var entry) ? new JsonObject { [id] = entry.DeepClone() } : [];
        }
    }

    private static async Task<JsonNode?> ReadJsonBodyAsync(HttpContext ctx)
    {
        using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(ctx.RequestAborted).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            throw new InvalidDataException("not json");
        }
    }

    private Task HandleQueuePostAsync(HttpContext ctx)
        => HandleClearOrDeleteAsync(ctx, () => _pending.Clear(), ids => _pending.RemoveAll(p => ids.Contains(p.Id)), broadcast: true);

    private Task HandleHistoryPostAsync(HttpContext ctx)
        => HandleClearOrDeleteAsync(
            ctx,
            () =>
            {
                _history.Clear();
                _historyOrder.Clear();
            },
            ids =>
            {
                foreach (var id in ids)
                {
                    _history.Remove(id);
                    _historyOrder.Remove(id);
                }
            },
            broadcast: false);

    /// <summary>POST /queue and POST /history: <c>{"clear": true}</c> and/or <c>{"delete": [ids]}</c>.</summary>
    private async Task HandleClearOrDeleteAsync(HttpContext ctx, Action clear, Action<HashSet<string>> delete, bool broadcast)
    {
        JsonNode? body;
        try
        {
            body = await ReadJsonBodyAsync(ctx).ConfigureAwait(false);
        }
        catch (InvalidDataException)
        {
            await WriteServerErrorAsync(ctx).ConfigureAwait(false);
            return;
        }

        lock (_gate)
        {
            if (body?["clear"] is JsonValue all && all.GetValueKind() == JsonValueKind.True)
            {
                clear();
            }

            if (body?["delete"] is JsonArray ids)
            {
                delete(ids.Select(d => d?.ToString() ?? string.Empty).ToHashSet(StringComparer.Ordinal));
            }
        }

        if (broadcast)
        {
            await BroadcastStatusAsync().ConfigureAwait(false);
        }

        ctx.Response.StatusCode = 200;
    }

    private async Task HandleInterruptAsync(HttpContext ctx)
    {
        JsonNode? body = null;
        try
        {
            body = await ReadJsonBodyAsync(ctx).ConfigureAwait(false);
        }
        catch (InvalidDataException)
        {
            // A body is optional; garbage is treated as a global interrupt.
        }

        lock (_gate)
        {
            if (body?["prompt_id"] is JsonValue target && target.GetValueKind() == JsonValueKind.String)
            {
                // Newer servers: only the named prompt, and only while it runs.
                if (_running?.Id == target.GetValue<string>())
                {
                    _interruptTarget = _running.Id;
                }
            }
            else
            {
                _interruptAll = true;
            }
        }

        ctx.Response.StatusCode = 200;
    }

    private static Task WriteServerErrorAsync(HttpContext ctx)
        => WriteTextAsync(ctx, 500, "500 Internal Server Error\n\nServer got itself in trouble");

    private static async Task WriteTextAsync(HttpContext ctx, int status, string text, string contentType = "text/plain")
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = contentType + "; charset=utf-8";
        await ctx.Response.WriteAsync(text, ctx.RequestAborted).ConfigureAwait(false);
    }

    private static Task WriteJsonAsync(HttpContext ctx, int status, JsonNode body)
        => WriteRawJsonAsync(ctx, status, PythonJson.Serialize(body));

    private static async Task WriteRawJsonAsync(HttpContext ctx, int status, string json)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json; charset=utf-8";
        await ctx.Response.WriteAsync(json, ctx.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>A stored file: its bytes, or (for generated large outputs) a length and the seed of the byte pattern (byte i = (i + seed) mod 251).</summary>
    private sealed record StoredFile(byte[]? Bytes, long Length, int PatternSeed = 0);

    private sealed class QueuedPrompt
    {
        public required string Id { get; init; }

        public required int Number { get; init; }

        public required JsonObject Graph { get; init; }

        public required JsonObject ExtraData { get; init; }

        public required List<string> Outputs { get; init; }

        public string? ClientId { get; init; }

        public required int Generation { get; init; }

        public JsonArray ToQueueEntry() => new(
            Number,
            Id,
            Graph.DeepClone(),
            ExtraData.DeepClone(),
            new JsonArray([.. Outputs.Select(o => (JsonNode)JsonValue.Create(o)!)]));
    }

    private sealed class ClientSocket(WebSocket socket, string clientId)
    {
        private readonly SemaphoreSlim _send = new(1, 1);

        public string ClientId { get; } = clientId;

        public WebSocket Socket { get; } = socket;

        public bool PreviewMetadata { get; set; }

        public TaskCompletionSource Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task SendAsync(ReadOnlyMemory<byte> payload, WebSocketMessageType type)
        {
            await _send.WaitAsync().ConfigureAwait(false);
            try
            {
                if (Socket.State == WebSocketState.Open)
                {
                    await Socket.SendAsync(payload, type, true, CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or IOException or OperationCanceledException)
            {
                Abort();
            }
            finally
            {
                _send.Release();
            }
        }

        public void Abort()
        {
            try
            {
                Socket.Abort();
            }
            catch (ObjectDisposedException)
            {
            }

            Closed.TrySetResult();
        }
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
