using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Dhee.Testing.Comfy;

/// <content>WebSocket, upload and download routes.</content>
public sealed partial class LoopbackComfyServer
{
    private async Task HandleSocketAsync(HttpContext ctx)
    {
        if (Faults.RejectSockets)
        {
            await WriteTextAsync(ctx, 503, "503 Service Unavailable").ConfigureAwait(false);
            return;
        }

        if (!ctx.WebSockets.IsWebSocketRequest)
        {
            await WriteTextAsync(ctx, 400, "Bad Request: not a websocket upgrade").ConfigureAwait(false);
            return;
        }

        var clientId = ctx.Request.Query["clientId"].ToString();
        if (string.IsNullOrEmpty(clientId))
        {
            clientId = Guid.NewGuid().ToString("N");
        }

        var ws = await ctx.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        var socket = new ClientSocket(ws, clientId);
        if (_sockets.TryRemove(clientId, out var previous))
        {
            previous.Abort();
        }

        _sockets[clientId] = socket;
        SocketConnections++;
        var hello = new JsonObject
        {
            ["type"] = "status",
            ["data"] = new JsonObject
            {
                ["status"] = new JsonObject { ["exec_info"] = new JsonObject { ["queue_remaining"] = QueueRemaining() } },
                ["sid"] = clientId,
            },
        };
        await socket.SendAsync(Encoding.UTF8.GetBytes(PythonJson.Serialize(hello)), WebSocketMessageType.Text).ConfigureAwait(false);

        var buffer = new byte[4096];
        try
        {
            while (ws.State == WebSocketState.Open && !_stop.IsCancellationRequested)
            {
                var receive = ws.ReceiveAsync(buffer, _stop.Token);
                var done = await Task.WhenAny(receive, socket.Closed.Task).ConfigureAwait(false);
                if (done != receive)
                {
                    break;
                }

                var result = await receive.ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).ConfigureAwait(false);
                    break;
                }

                if (result.MessageType == WebSocketMessageType.Text && result.EndOfMessage)
                {
                    // Newer servers: {"type": "feature_flags", "data": {"supports_preview_metadata": true}} switches previews to type 4.
                    try
                    {
                        var message = JsonNode.Parse(buffer.AsSpan(0, result.Count));
                        if (message?["type"]?.ToString() == "feature_flags" && message["data"]?["supports_preview_metadata"] is JsonValue flag && flag.GetValueKind() == System.Text.Json.JsonValueKind.True)
                        {
                            socket.PreviewMetadata = true;
                        }
                    }
                    catch (System.Text.Json.JsonException)
                    {
                    }
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
        finally
        {
            _sockets.TryRemove(new KeyValuePair<string, ClientSocket>(clientId, socket));
            socket.Abort();
        }
    }

    private async Task SendEventAsync(string? clientId, string type, JsonObject data)
    {
        if (Faults.HeartbeatOnly && type != "status")
        {
            return;
        }

        var frame = Encoding.UTF8.GetBytes(PythonJson.Serialize(new JsonObject { ["type"] = type, ["data"] = data }));
        if (clientId is null)
        {
            foreach (var socket in _sockets.Values)
            {
                await socket.SendAsync(frame, WebSocketMessageType.Text).ConfigureAwait(false);
            }
        }
        else if (_sockets.TryGetValue(clientId, out var socket))
        {
            await socket.SendAsync(frame, WebSocketMessageType.Text).ConfigureAwait(false);
        }
    }

    private async Task SendPreviewAsync(string? clientId, string promptId, string nodeId, byte[] png)
    {
        if (Faults.HeartbeatOnly)
        {
            return;
        }

        foreach (var socket in _sockets.Values.Where(s => clientId is null || s.ClientId == clientId))
        {
            byte[] frame;
            if (socket.PreviewMetadata)
            {
                var metadata = Encoding.UTF8.GetBytes(PythonJson.Serialize(new JsonObject
                {
                    ["node_id"] = nodeId,
                    ["prompt_id"] = promptId,
                    ["display_node_id"] = nodeId,
                    ["parent_node_id"] = null,
                    ["real_node_id"] = nodeId,
                    ["image_type"] = "image/png",
                }));
                frame = new byte[8 + metadata.Length + png.Length];
                BinaryPrimitives.WriteInt32BigEndian(frame, 4);
                BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(4), metadata.Length);
                metadata.CopyTo(frame, 8);
                png.CopyTo(frame, 8 + metadata.Length);
            }
            else
            {
                frame = new byte[8 + png.Length];
                BinaryPrimitives.WriteInt32BigEndian(frame, 1);
                BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(4), 2);
                png.CopyTo(frame, 8);
            }

            await socket.SendAsync(frame, WebSocketMessageType.Binary).ConfigureAwait(false);
        }
    }

    /// <summary>Newer servers (0.3.44+) send the state of every started node of the prompt with each change.</summary>
    private Task SendProgressStateAsync(string? clientId, JsonObject data)
        => _options.SendProgressState ? SendEventAsync(clientId, "progress_state", data) : Task.CompletedTask;

    /// <summary>A binary text frame (type 3): the node id's length (4 bytes, big-endian), the node id, then the UTF-8 text, as <c>send_progress_text</c> frames them.</summary>
    private async Task SendProgressTextAsync(string? clientId, string nodeId, string text)
    {
        if (Faults.HeartbeatOnly)
        {
            return;
        }

        var node = Encoding.UTF8.GetBytes(nodeId);
        var body = Encoding.UTF8.GetBytes(text);
        var frame = new byte[8 + node.Length + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, 3);
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(4), node.Length);
        node.CopyTo(frame, 8);
        body.CopyTo(frame, 8 + node.Length);
        foreach (var socket in _sockets.Values.Where(s => clientId is null || s.ClientId == clientId))
        {
            await socket.SendAsync(frame, WebSocketMessageType.Binary).ConfigureAwait(false);
        }
    }

    private Task BroadcastStatusAsync()
        => SendEventAsync(null, "status", new JsonObject { ["status"] = new JsonObject { ["exec_info"] = new JsonObject { ["queue_remaining"] = QueueRemaining() } } });

    private async Task HeartbeatLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var interval = Faults.HeartbeatInterval;
            try
            {
                await Task.Delay(interval > TimeSpan.Zero ? interval : TimeSpan.FromMilliseconds(100), _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (interval > TimeSpan.Zero)
            {
                await BroadcastStatusAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task HandleUploadAsync(HttpContext ctx, bool mask)
    {
        if (!ctx.Request.HasFormContentType)
        {
            await WriteTextAsync(ctx, 400, "400: Bad Request").ConfigureAwait(false);
            return;
        }

        var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted).ConfigureAwait(false);
        var file = form.Files["image"];
        if (file is null)
        {
            ctx.Response.StatusCode = 400;
            return;
        }

        var name = Path.GetFileName(file.FileName.Replace('\\', '/'));
        if (string.IsNullOrWhiteSpace(name))
        {
            ctx.Response.StatusCode = 400;
            return;
        }

        var type = form["type"].ToString();
        if (string.IsNullOrEmpty(type))
        {
            type = "input";
        }

        if (type is not ("input" or "temp" or "output"))
        {
            ctx.Response.StatusCode = 400;
            return;
        }

        var subfolder = form["subfolder"].ToString();
        if (subfolder.Contains("..", StringComparison.Ordinal) || subfolder.StartsWith('/'))
        {
            ctx.Response.StatusCode = 400;
            return;
        }

        if (mask && !form.ContainsKey("original_ref"))
        {
            ctx.Response.StatusCode = 400;
            return;
        }

        using var ms = new MemoryStream();
        await file.CopyToAsync(ms, ctx.RequestAborted).ConfigureAwait(false);
        var bytes = ms.ToArray();
        var overwrite = form["overwrite"].ToString() is "true" or "1";
        if (!overwrite)
        {
            var stem = Path.GetFileNameWithoutExtension(name);
            var ext = Path.GetExtension(name);
            var i = 1;
            while (_files.TryGetValue(Key(type, subfolder, name), out var existing))
            {
                if (existing.Bytes is not null && Sha(existing.Bytes) == Sha(bytes))
                {
                    break; // the same bytes are already there: reuse the name, as ComfyUI does
                }

                name = $"{stem} ({i}){ext}";
                i++;
            }
        }

        _files[Key(type, subfolder, name)] = new StoredFile(bytes, bytes.LongLength);
        await WriteJsonAsync(ctx, 200, new JsonObject { ["name"] = name, ["subfolder"] = subfolder, ["type"] = type }).ConfigureAwait(false);
    }

    private async Task HandleViewAsync(HttpContext ctx)
    {
        var query = ctx.Request.Query;
        if (!query.ContainsKey("filename"))
        {
            await WriteTextAsync(ctx, 404, "404: Not Found").ConfigureAwait(false);
            return;
        }

        var filename = query["filename"].ToString();
        if (filename.Length == 0 || filename[0] == '/' || filename.Contains("..", StringComparison.Ordinal))
        {
            await WriteTextAsync(ctx, 400, "400: Bad Request").ConfigureAwait(false);
            return;
        }

        var type = query.ContainsKey("type") ? query["type"].ToString() : "output";
        if (type is not ("input" or "temp" or "output"))
        {
            await WriteTextAsync(ctx, 400, "400: Bad Request").ConfigureAwait(false);
            return;
        }

        var subfolder = query["subfolder"].ToString();
        if (EscapesBase(subfolder))
        {
            await WriteTextAsync(ctx, 403, "403: Forbidden").ConfigureAwait(false);
            return;
        }

        subfolder = string.Join('/', subfolder.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s != "."));
        if (!_files.TryGetValue(Key(type, subfolder, filename), out var file))
        {
            await WriteTextAsync(ctx, 404, "404: Not Found").ConfigureAwait(false);
            return;
        }

        long start = 0;
        var range = ctx.Request.Headers.Range.ToString();
        if (range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-')
            && long.TryParse(range.AsSpan(6, range.Length - 7), out var from) && from >= 0 && from < file.Length)
        {
            start = from;
            ctx.Response.StatusCode = 206;
            ctx.Response.Headers.ContentRange = $"bytes {from}-{file.Length - 1}/{file.Length}";
        }
        else
        {
            ctx.Response.StatusCode = 200;
        }

        ctx.Response.ContentType = Dhee.Comfy.ComfyMediaTypes.ForExtension(Path.GetExtension(filename));
        ctx.Response.Headers.ContentDisposition = $"filename=\"{filename}\"";
        ctx.Response.Headers.AcceptRanges = "bytes";
        ctx.Response.ContentLength = file.Length - start;
        var truncateAt = Faults.TryTakeTruncation() ? start + ((file.Length - start) / 2) : long.MaxValue;
        var buffer = new byte[64 * 1024];
        var position = start;
        var body = ctx.Response.Body;
        while (position < file.Length)
        {
            var count = (int)Math.Min(buffer.Length, file.Length - position);
            if (position + count > truncateAt)
            {
                count = (int)(truncateAt - position);
            }

            if (file.Bytes is not null)
            {
                Buffer.BlockCopy(file.Bytes, (int)position, buffer, 0, count);
            }
            else
            {
                var phase = (int)((position + file.PatternSeed) % 251);
                Buffer.BlockCopy(Pattern, phase, buffer, 0, count);
            }

            await body.WriteAsync(buffer.AsMemory(0, count), ctx.RequestAborted).ConfigureAwait(false);
            position += count;
            if (position >= truncateAt)
            {
                await body.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
                ctx.Abort();
                return;
            }

            var delay = Faults.SlowStreamDelay;
            if (delay > TimeSpan.Zero)
            {
                await body.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
                await Task.Delay(delay, ctx.RequestAborted).ConfigureAwait(false);
            }
        }
    }

    private static readonly byte[] Pattern = BuildPattern();

    private static byte[] BuildPattern()
    {
        var pattern = new byte[(64 * 1024) + 251];
        for (var i = 0; i < pattern.Length; i++)
        {
            pattern[i] = (byte)(i % 251);
        }

        return pattern;
    }

    private static bool EscapesBase(string subfolder)
    {
        if (subfolder.StartsWith('/') || subfolder.StartsWith('\\') || (subfolder.Length > 1 && subfolder[1] == ':'))
        {
            return true;
        }

        var depth = 0;
        foreach (var segment in subfolder.Split('/', '\\'))
        {
            if (segment == "..")
            {
                depth--;
                if (depth < 0)
                {
                    return true;
                }
            }
            else if (segment.Length > 0 && segment != ".")
            {
                depth++;
            }
        }

        return false;
    }
}
