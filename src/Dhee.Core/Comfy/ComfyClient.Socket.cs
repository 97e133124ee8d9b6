using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Dhee.Comfy;

/// <content>The WebSocket: one per client, reconnected with backoff and jitter within a budget; its events are routed per prompt.</content>
public sealed partial class ComfyClient
{
    private const int MaxOrphanPrompts = 64;
    private const int MaxOrphanEventsPerPrompt = 512;

    private readonly ConcurrentDictionary<string, PromptTracker> _trackers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Action<PromptTracker>>> _orphans = new(StringComparer.Ordinal);
    private readonly Lock _route = new();
    private readonly Lock _socketGate = new();
    private Task? _socketLoop;
    private CancellationTokenSource? _socketStop;
    private TaskCompletionSource<bool> _firstConnect = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _socketConnected;
    private ClientWebSocket? _socket;
    private string? _runningPrompt;
    private int _connections;

    /// <summary>Gets a value indicating whether the WebSocket is connected right now.</summary>
    public bool IsSocketConnected => _socketConnected;

    /// <summary>Gets how many times the WebSocket connected (1 = never reconnected).</summary>
    public int SocketConnections => Volatile.Read(ref _connections);

    private async Task EnsureSocketAsync(CancellationToken cancellationToken)
    {
        Task<bool> first;
        lock (_socketGate)
        {
            ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
            if (_socketLoop is null || _socketLoop.IsCompleted)
            {
                _socketStop?.Dispose();
                _socketStop = CancellationTokenSource.CreateLinkedTokenSource(_disposed.Token);
                _firstConnect = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                var stop = _socketStop.Token;
                _socketLoop = Task.Run(() => SocketLoopAsync(stop), CancellationToken.None);
            }

            first = _firstConnect.Task;
        }

        if (_socketConnected)
        {
            return;
        }

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(_options.ConnectTimeout, _time, wait.Token);
        await Task.WhenAny(first, delay).ConfigureAwait(false);
        await wait.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (!first.IsCompleted || !first.Result)
        {
            _logger.LogWarning("ComfyUI {Endpoint}: WebSocket not connected within {Timeout}; submitting anyway and polling /history", _address.Display, _options.ConnectTimeout);
        }
    }

    private async Task StopSocketAsync()
    {
        Task? loop;
        lock (_socketGate)
        {
            loop = _socketLoop;
            _socketStop?.Cancel();
        }

        _socket?.Abort();
        if (loop is not null)
        {
            try
            {
                await loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        _socketStop?.Dispose();
    }

    private async Task SocketLoopAsync(CancellationToken stop)
    {
        var failures = 0;
        while (!stop.IsCancellationRequested)
        {
            using var ws = new ClientWebSocket();
            if (_options.BearerToken is { Length: > 0 } token)
            {
                ws.Options.SetRequestHeader("Authorization", "Bearer " + token);
            }

            if (_options.ApiKey is { Length: > 0 } key)
            {
                ws.Options.SetRequestHeader("X-API-Key", key);
            }

            foreach (var (name, value) in _options.Headers)
            {
                ws.Options.SetRequestHeader(name, value);
            }

            ws.Options.KeepAliveInterval = TimeSpan.FromSeconds(20);
            try
            {
                using (var connect = CancellationTokenSource.CreateLinkedTokenSource(stop))
                {
                    connect.CancelAfter(_options.ConnectTimeout);
                    await ws.ConnectAsync(_address.Socket(ClientId), connect.Token).ConfigureAwait(false);
                }

                if (_options.RequestPreviewMetadata)
                {
                    var flags = """{"type": "feature_flags", "data": {"supports_preview_metadata": true}}"""u8.ToArray();
                    await ws.SendAsync(flags, WebSocketMessageType.Text, true, stop).ConfigureAwait(false);
                }

                _socket = ws;
                _socketConnected = true;
                failures = 0;
                var count = Interlocked.Increment(ref _connections);
                _firstConnect.TrySetResult(true);
                if (count > 1)
                {
                    foreach (var tracker in _trackers.Values)
                    {
                        tracker.RecheckRequested = true;
                        tracker.Report(new ComfyReconnectedEvent(tracker.PromptId));
                        tracker.Pulse();
                    }
                }

                await ReceiveLoopAsync(ws, stop).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or HttpRequestException)
            {
                if (!stop.IsCancellationRequested)
                {
                    _logger.LogDebug("ComfyUI {Endpoint}: WebSocket failed: {Message}", _address.Display, ex.Message);
                }
            }
            finally
            {
                _socketConnected = false;
                _socket = null;
            }

            if (stop.IsCancellationRequested)
            {
                break;
            }

            foreach (var tracker in _trackers.Values)
            {
                tracker.Pulse(); // waiters switch to polling
            }

            failures++;
            if (failures > _options.ReconnectBudget)
            {
                _logger.LogWarning("ComfyUI {Endpoint}: WebSocket reconnect budget ({Budget}) spent; polling /history only", _address.Display, _options.ReconnectBudget);
                _firstConnect.TrySetResult(false);
                return;
            }

            var baseDelay = Math.Min(_options.ReconnectMaxDelay.TotalMilliseconds, _options.ReconnectBaseDelay.TotalMilliseconds * Math.Pow(2, failures - 1));
            var jittered = TimeSpan.FromMilliseconds(baseDelay * (0.5 + (Random.Shared.NextDouble() * 0.5)));
            try
            {
                await Task.Delay(jittered, _time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        _firstConnect.TrySetResult(false);
    }

    private async Task ReceiveLoopAsync(ClientWebSocket ws, CancellationToken stop)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (ws.State == WebSocketState.Open && !stop.IsCancellationRequested)
        {
            message.SetLength(0);
            ValueWebSocketReceiveResult result;
            do
            {
                result = await ws.ReceiveAsync(buffer.AsMemory(), stop).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                message.Write(buffer, 0, result.Count);
                if (message.Length > 64L * 1024 * 1024)
                {
                    throw new WebSocketException("a WebSocket message over 64 MiB");
                }
            }
            while (!result.EndOfMessage);

            var payload = message.GetBuffer().AsSpan(0, (int)message.Length);
            if (result.MessageType == WebSocketMessageType.Text)
            {
                DispatchText(payload);
            }
            else
            {
                DispatchBinary(payload);
            }
        }
    }

    private PromptTracker Register(string promptId, IProgress<ComfyEvent>? progress)
    {
        lock (_route)
        {
            var tracker = new PromptTracker(promptId, progress, _time.GetTimestamp());
            _trackers[promptId] = tracker;
            ReplayOrphans(tracker);
            return tracker;
        }
    }

    private void Rekey(PromptTracker tracker, string serverId)
    {
        lock (_route)
        {
            _trackers.TryRemove(tracker.PromptId, out _);
            tracker.PromptId = serverId;
            _trackers[serverId] = tracker;
            ReplayOrphans(tracker);
        }
    }

    private void Unregister(PromptTracker tracker)
    {
        lock (_route)
        {
            _trackers.TryRemove(new KeyValuePair<string, PromptTracker>(tracker.PromptId, tracker));
            _orphans.Remove(tracker.PromptId);
        }
    }

    private void ReplayOrphans(PromptTracker tracker)
    {
        if (_orphans.Remove(tracker.PromptId, out var events))
        {
            foreach (var replay in events)
            {
                replay(tracker);
            }
        }
    }

    private void DispatchText(ReadOnlySpan<byte> payload)
    {
        JsonObject? msg;
        try
        {
            msg = JsonNode.Parse(payload) as JsonObject;
        }
        catch (JsonException)
        {
            return;
        }

        var type = msg?["type"]?.ToString();
        if (msg is null || type is null || msg["data"] is not JsonObject data)
        {
            return;
        }

        if (data["prompt_id"] is not JsonValue pidValue || pidValue.GetValueKind() != JsonValueKind.String)
        {
            return; // status frames and foreign heartbeats carry no prompt: they never count as progress
        }

        var promptId = pidValue.GetValue<string>();
        if (type is "execution_start" or "progress_state" || (type == "executing" && data["node"] is not null))
        {
            _runningPrompt = promptId; // binary previews carry no prompt id: they belong to the running prompt
        }
        else if (type == "executing" && _runningPrompt == promptId)
        {
            _runningPrompt = null;
        }

        Route(promptId, t => Apply(t, type, data));
    }

    /// <summary>Delivers to the prompt's tracker, or keeps it until the id is known (events can beat the POST /prompt answer when old servers mint ids).</summary>
    private void Route(string promptId, Action<PromptTracker> deliver)
    {
        lock (_route)
        {
            if (_trackers.TryGetValue(promptId, out var tracker))
            {
                deliver(tracker);
                return;
            }

            if (!_orphans.TryGetValue(promptId, out var list))
            {
                if (_orphans.Count >= MaxOrphanPrompts)
                {
                    _orphans.Remove(_orphans.Keys.First());
                }

                list = [];
                _orphans[promptId] = list;
            }

            if (list.Count < MaxOrphanEventsPerPrompt)
            {
                list.Add(deliver);
            }
        }
    }

    private void Apply(PromptTracker t, string type, JsonObject data)
    {
        t.LastActivity = _time.GetTimestamp();
        switch (type)
        {
            case "execution_start":
                t.StartedAt ??= _time.GetTimestamp();
                t.Report(new ComfyExecutionStartedEvent(t.PromptId));
                break;
            case "execution_cached":
                var nodes = data["nodes"] is JsonArray arr ? arr.Select(n => n?.ToString() ?? string.Empty).ToList() : [];
                t.CachedNodes.Clear();
                t.CachedNodes.AddRange(nodes);
                t.Report(new ComfyCachedNodesEvent(t.PromptId, nodes));
                break;
            case "executing":
                var node = data["node"]?.ToString();
                if (node is null)
                {
                    t.TerminalHint = true;
                    t.Pulse();
                }
                else
                {
                    t.StartedAt ??= _time.GetTimestamp();
                    t.CurrentNode = node;
                    t.Report(new ComfyExecutingEvent(t.PromptId, node));
                }

                break;
            case "progress":
                var value = data["value"] is JsonValue v && v.TryGetValue<long>(out var lv) ? lv : 0;
                var max = data["max"] is JsonValue m && m.TryGetValue<long>(out var lm) ? lm : 0;
                t.Report(new ComfyNodeProgressEvent(t.PromptId, data["node"]?.ToString() ?? t.CurrentNode, value, max));
                break;
            case "progress_state":
                // Newer servers: a hint that the prompt runs and which node is busy; completion still comes from the truth.
                var states = new List<ComfyNodeState>();
                foreach (var (nodeId, state) in data["nodes"] as JsonObject ?? [])
                {
                    var stateName = state?["state"]?.ToString() ?? "running";
                    states.Add(new ComfyNodeState(
                        nodeId,
                        stateName,
                        state?["value"] is JsonValue sv && sv.TryGetValue<double>(out var dv) ? dv : 0,
                        state?["max"] is JsonValue sm && sm.TryGetValue<double>(out var dm) ? dm : 0,
                        state?["display_node_id"]?.ToString()));
                    if (stateName == "running")
                    {
                        t.CurrentNode = nodeId;
                    }
                }

                t.StartedAt ??= _time.GetTimestamp();
                t.Report(new ComfyProgressStateEvent(t.PromptId, states));
                break;
            case "executed":
                if (data["node"]?.ToString() is { } executedNode && data["output"] is JsonObject output)
                {
                    t.ExecutedOutputs[executedNode] = output.DeepClone();
                    t.Report(new ComfyNodeExecutedEvent(t.PromptId, executedNode, (JsonObject)output.DeepClone()));
                }

                break;
            case "execution_success":
            case "execution_error":
            case "execution_interrupted":
                t.TerminalHint = true;
                t.Pulse();
                break;
        }
    }

    private void DispatchBinary(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 4)
        {
            return;
        }

        var eventType = BinaryPrimitives.ReadInt32BigEndian(payload);
        switch (eventType)
        {
            case 1 when payload.Length >= 8:
                var format = BinaryPrimitives.ReadInt32BigEndian(payload[4..]);
                var media = format == 2 ? "image/png" : "image/jpeg";
                var image = payload[8..].ToArray();
                if (_runningPrompt is { } running)
                {
                    Route(running, t =>
                    {
                        t.LastActivity = _time.GetTimestamp();
                        t.Report(new ComfyPreviewEvent(t.PromptId, t.CurrentNode, media, image));
                    });
                }

                break;
            case 3:
                var body = payload[4..];
                string? nodeId = null;
                if (body.Length >= 4)
                {
                    var len = BinaryPrimitives.ReadInt32BigEndian(body);
                    if (len >= 0 && len <= body.Length - 4 && len < 256)
                    {
                        nodeId = Encoding.UTF8.GetString(body.Slice(4, len));
                        body = body[(4 + len)..];
                    }
                }

                var text = Encoding.UTF8.GetString(body);
                if (_runningPrompt is { } textPrompt)
                {
                    Route(textPrompt, t => t.Report(new ComfyTextEvent(t.PromptId, nodeId, text)));
                }

                break;
            // Type 2 (an unencoded preview) is internal to the server, which encodes it and sends type 1; unknown types are ignored.
            case 4 when payload.Length >= 8:
                var metaLength = BinaryPrimitives.ReadInt32BigEndian(payload[4..]);
                if (metaLength < 0 || metaLength > payload.Length - 8)
                {
                    return;
                }

                JsonObject? meta;
                try
                {
                    meta = JsonNode.Parse(payload.Slice(8, metaLength)) as JsonObject;
                }
                catch (JsonException)
                {
                    return;
                }

                var pid = meta?["prompt_id"]?.ToString() ?? _runningPrompt;
                var metaNode = meta?["node_id"]?.ToString();
                var metaMedia = meta?["image_type"]?.ToString() ?? "image/png";
                var metaImage = payload[(8 + metaLength)..].ToArray();
                if (pid is not null)
                {
                    Route(pid, t =>
                    {
                        t.LastActivity = _time.GetTimestamp();
                        t.Report(new ComfyPreviewEvent(t.PromptId, metaNode ?? t.CurrentNode, metaMedia, metaImage));
                    });
                }

                break;
        }
    }
}
