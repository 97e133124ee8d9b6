using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Threading.Channels;

namespace Dhee.Server.Runs;

/// <summary>
/// One subscriber of a <see cref="RunFeed"/>. Its connection loop owns the output while it sends stored events, catches
/// up or writes heartbeats; while it waits (<see cref="Release"/>), a publish writes contiguous frames straight into the
/// subscriber's pipe and flushes, so a live event reaches the socket without a hop through the connection's own loop.
/// Anything else (a gap, a flush that has to wait for the client, a state change) wakes the loop instead.
/// </summary>
internal sealed class RunSubscription : IDisposable
{
    private readonly RunFeed feed;
    private readonly PipeWriter? direct;
    private readonly Lock gate = new();
    private bool owned = true;
    private long last;
    private long lastWrite;
    private ValueTask<FlushResult>? pendingFlush;

    public RunSubscription(RunFeed feed, PipeWriter? direct)
    {
        this.feed = feed;
        this.direct = direct;
        Wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    }

    /// <summary>
    /// Gets the wake-ups: true after a publish or state change the loop has to handle, false from the subscriber's own
    /// heartbeat timer. A pending wake-up absorbs later ones.
    /// </summary>
    public Channel<bool> Wake { get; }

    /// <summary>Hands the output to publishers while the loop waits; <paramref name="sequence"/> is the last event sent.</summary>
    public void Release(long sequence, long lastWriteTimestamp)
    {
        lock (gate)
        {
            last = sequence;
            lastWrite = lastWriteTimestamp;
            owned = false;
        }
    }

    /// <summary>
    /// Takes the output back after a wake-up: returns the last event sent (publishers may have sent more), when the
    /// output was last written, and a flush the loop must await first (null when none is pending).
    /// </summary>
    public ValueTask<FlushResult>? Acquire(out long sequence, out long lastWriteTimestamp)
    {
        lock (gate)
        {
            owned = true;
            sequence = last;
            lastWriteTimestamp = lastWrite;
            var flush = pendingFlush;
            pendingFlush = null;
            return flush;
        }
    }

    /// <summary>Called by the feed after it published <paramref name="frames"/> (in sequence order).</summary>
    internal void Offer(SseFrame[] frames)
    {
        lock (gate)
        {
            if (!owned && direct is not null && frames.Length > 0 && frames[0].Seq <= last + 1 && TryWrite(frames))
            {
                return;
            }
        }

        Wake.Writer.TryWrite(true);
    }

    /// <summary>Called by the feed when the run starts or stops.</summary>
    internal void Signal() => Wake.Writer.TryWrite(true);

    public void Dispose()
    {
        lock (gate)
        {
            // From here on no publisher touches the output: the response may complete once the loop returns.
            owned = true;
            pendingFlush = null;
        }

        feed.Unsubscribe(this);
    }

    /// <summary>Writes and flushes under the lock; false (and the loop owns the output again) unless the flush completed.</summary>
    private bool TryWrite(SseFrame[] frames)
    {
        try
        {
            foreach (var frame in frames)
            {
                if (frame.Seq > last)
                {
                    direct!.Write(frame.Bytes);
                    last = frame.Seq;
                }
            }

            lastWrite = Stopwatch.GetTimestamp();
            var flush = direct!.FlushAsync();
            if (flush.IsCompletedSuccessfully)
            {
                _ = flush.Result;
                return true;
            }

            // The client is behind (or the connection is going away): the loop awaits this flush, then catches up from memory.
            pendingFlush = flush;
        }
        catch (Exception)
        {
            // A broken connection must never fail the publisher (it serves every other subscriber and the store);
            // the loop sees the failure on its own next write or through the request's cancellation.
        }

        owned = true;
        return false;
    }
}
