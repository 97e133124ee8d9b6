using System.Globalization;
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
        var last = afterSequence;
        using var buffer = new MemoryStream();
        try
        {
            await WriteRawAsync(response, "retry: 2000\n: connected\n\n", ct).ConfigureAwait(false);
            while (!ct.IsCancellationRequested)
            {
                var changed = feed.Changed;
                if (!feed.TryReadAfter(last, PageSize, out var frames))
                {
                    var stored = await coordinator.Store.ReadEventsAsync(run.PreparationId, last, PageSize, ct).ConfigureAwait(false);
                    frames = stored.Select(SseFrame.Render).ToArray();
                }

                if (frames.Count > 0)
                {
                    buffer.SetLength(0);
                    foreach (var frame in frames)
                    {
                        buffer.Write(frame.Bytes);
                        last = frame.Seq;
                    }

                    // PipeWriter.WriteAsync writes and flushes in one step.
                    await response.BodyWriter.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), ct).ConfigureAwait(false);
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

                try
                {
                    await changed.WaitAsync(heartbeat, ct).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    await WriteRawAsync(response, ": heartbeat\n\n", ct).ConfigureAwait(false);
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
