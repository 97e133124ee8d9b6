using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Threading.Channels;
using Dhee.Server.Runs;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Dhee.Server.Http;

/// <summary>
/// Streams a run's events as Server-Sent Events: stored events after the resume point, then live ones, with a
/// heartbeat comment while idle and a final <c>end</c> event once the run has finished and every event was sent.
/// </summary>
internal static class EventStream
{
    private const int PageSize = 512;

    public static async Task WriteAsync(HttpContext context, RunCoordinator coordinator, RunRecord run, long afterSequence, TimeSpan heartbeat)
    {
        var response = context.Response;
        var ct = context.RequestAborted;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache, no-transform";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        var body = response.BodyWriter;
        try
        {
            await WriteRawAsync(response, "retry: 2000\n: connected\n\n", ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return; // the client went away
        }

        await PumpAsync(coordinator, run, afterSequence, heartbeat, body, body, new Target(
            ct => body.FlushAsync(ct).AsTask(),
            ct => WriteRawAsync(response, ": heartbeat\n\n", ct),
            (status, last, ct) => WriteRawAsync(response, $"event: end\ndata: {EndJson(status, last)}\n\n", ct)), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The WebSocket variant: one text message per event (the same JSON as an SSE <c>data:</c> line), then a
    /// <c>{"kind":"stream.end",…}</c> message and a normal close; heartbeats are WebSocket pings.
    /// </summary>
    public static async Task WriteSocketAsync(WebSocket socket, RunCoordinator coordinator, RunRecord run, long afterSequence, TimeSpan heartbeat, CancellationToken ct)
    {
        var frames = new ArrayBufferWriter<byte>(4096);
        await PumpAsync(coordinator, run, afterSequence, heartbeat, frames, direct: null, new Target(
            async ct =>
            {
                // The feed writes rendered SSE frames ("id: N\ndata: {json}\n\n"); each frame's JSON becomes one message.
                var written = frames.WrittenMemory;
                while (written.Length > 0)
                {
                    var end = written.Span.IndexOf("\n\n"u8);
                    var frame = written[..end];
                    var data = frame.Span.IndexOf("data: "u8) + 6;
                    await socket.SendAsync(frame[data..], WebSocketMessageType.Text, endOfMessage: true, ct).ConfigureAwait(false);
                    written = written[(end + 2)..];
                }

                frames.ResetWrittenCount();
            },
            _ => Task.CompletedTask,
            async (status, last, ct) =>
            {
                await socket.SendAsync(System.Text.Encoding.UTF8.GetBytes(EndJson(status, last, "stream.end")), WebSocketMessageType.Text, endOfMessage: true, ct).ConfigureAwait(false);
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "run finished", ct).ConfigureAwait(false);
            }), ct).ConfigureAwait(false);
    }

    private static string EndJson(string status, long last, string? kind = null)
        => string.Create(CultureInfo.InvariantCulture, $"{{{(kind is null ? string.Empty : $"\"kind\":\"{kind}\",")}\"status\":\"{status}\",\"lastSequence\":{last}}}");

    /// <summary>
    /// Sends stored events after the resume point, then live ones, until the run has finished and every event was sent.
    /// Frames go into <paramref name="output"/>; <see cref="Target.FlushAsync"/> sends them. While the loop waits, live
    /// frames go straight from the publisher into <paramref name="direct"/> when given (the same pipe as the output).
    /// </summary>
    private static async Task PumpAsync(RunCoordinator coordinator, RunRecord run, long afterSequence, TimeSpan heartbeat, IBufferWriter<byte> output, PipeWriter? direct, Target target, CancellationToken ct)
    {
        var feed = coordinator.Hub.Get(run.PreparationId);
        using var subscription = feed.Subscribe(direct);
        var wake = subscription.Wake;

        // One timer per connection (not one per wait): ticks wake the loop, which sends a heartbeat when it has been idle.
        using var ticker = new Timer(static state => ((ChannelWriter<bool>)state!).TryWrite(false), wake.Writer, heartbeat, heartbeat);
        var last = afterSequence;
        var lastWrite = Stopwatch.GetTimestamp();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                // Frames are copied straight from the feed's shared rendering into the output; one flush per wake-up.
                if (!feed.TryCopyAfter(ref last, PageSize, output, out var copied))
                {
                    var stored = await coordinator.Store.ReadEventsAsync(run.PreparationId, last, PageSize, ct).ConfigureAwait(false);
                    foreach (var e in stored)
                    {
                        output.Write(SseFrame.Render(e).Bytes);
                        last = e.Seq;
                    }

                    copied = stored.Count;
                }

                if (copied > 0)
                {
                    await target.FlushAsync(ct).ConfigureAwait(false);
                    lastWrite = Stopwatch.GetTimestamp();
                    continue;
                }

                if (!feed.Active)
                {
                    var current = await coordinator.Store.FindAsync(run.PreparationId, ct).ConfigureAwait(false);
                    if (current is null || current.Status.IsFinished())
                    {
                        // Events may have landed between the read and the status check: drain before ending.
                        var tail = await coordinator.Store.ReadEventsAsync(run.PreparationId, last, 1, ct).ConfigureAwait(false);
                        if (tail.Count > 0)
                        {
                            continue;
                        }

                        await target.EndAsync(current?.Status.ToWireName() ?? "deleted", last, ct).ConfigureAwait(false);
                        return;
                    }
                }

                subscription.Release(last, lastWrite);
                var published = await wake.Reader.ReadAsync(ct).ConfigureAwait(false);
                if (subscription.Acquire(out last, out lastWrite) is { } pending)
                {
                    await pending.ConfigureAwait(false);
                }

                if (!published && Stopwatch.GetElapsedTime(lastWrite) >= heartbeat * 0.9)
                {
                    await target.HeartbeatAsync(ct).ConfigureAwait(false);
                    lastWrite = Stopwatch.GetTimestamp();
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (IOException) when (ct.IsCancellationRequested)
        {
        }
        catch (WebSocketException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>How a stream sends what the pump produced: SSE over the response, or WebSocket messages.</summary>
    private sealed record Target(Func<CancellationToken, Task> FlushAsync, Func<CancellationToken, Task> HeartbeatAsync, Func<string, long, CancellationToken, Task> EndAsync);

    private static async Task WriteRawAsync(HttpResponse response, string text, CancellationToken ct)
    {
        await response.BodyWriter.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text), ct).ConfigureAwait(false);
    }
}
