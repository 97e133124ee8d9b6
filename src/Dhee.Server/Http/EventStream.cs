using System.Buffers;
using System.Diagnostics;
using System.Globalization;
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

        var feed = coordinator.Hub.Get(run.PreparationId);
        using var subscription = feed.Subscribe();
        var wake = subscription.Wake;

        // One timer per connection (not one per wait): ticks wake the loop, which sends a heartbeat when it has been idle.
        using var ticker = new Timer(static state => ((ChannelWriter<bool>)state!).TryWrite(false), wake.Writer, heartbeat, heartbeat);
        var last = afterSequence;
        var body = response.BodyWriter;
        var lastWrite = Stopwatch.GetTimestamp();
        try
        {
            await WriteRawAsync(response, "retry: 2000\n: connected\n\n", ct).ConfigureAwait(false);
            while (!ct.IsCancellationRequested)
            {
                // Frames are copied straight from the feed's shared rendering into the response pipe; one flush per wake-up.
                if (!feed.TryCopyAfter(ref last, PageSize, body, out var copied))
                {
                    var stored = await coordinator.Store.ReadEventsAsync(run.PreparationId, last, PageSize, ct).ConfigureAwait(false);
                    foreach (var e in stored)
                    {
                        body.Write(SseFrame.Render(e).Bytes);
                        last = e.Seq;
                    }

                    copied = stored.Count;
                }

                if (copied > 0)
                {
                    await body.FlushAsync(ct).ConfigureAwait(false);
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

                        var status = current?.Status.ToWireName() ?? "deleted";
                        await WriteRawAsync(response, $"event: end\ndata: {{\"status\":\"{status}\",\"lastSequence\":{last.ToString(CultureInfo.InvariantCulture)}}}\n\n", ct).ConfigureAwait(false);
                        return;
                    }
                }

                var published = await wake.Reader.ReadAsync(ct).ConfigureAwait(false);
                if (!published && Stopwatch.GetElapsedTime(lastWrite) >= heartbeat * 0.9)
                {
                    await WriteRawAsync(response, ": heartbeat\n\n", ct).ConfigureAwait(false);
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
    }

    private static async Task WriteRawAsync(HttpResponse response, string text, CancellationToken ct)
    {
        await response.BodyWriter.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text), ct).ConfigureAwait(false);
    }
}
