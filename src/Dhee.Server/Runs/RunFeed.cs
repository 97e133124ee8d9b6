using System.Buffers;
using System.Threading.Channels;

namespace Dhee.Server.Runs;

/// <summary>
/// The live side of one run's event stream in this process: the recent events in memory, rendered once for every
/// subscriber (so many subscribers neither query the store nor serialize), and a wake-up per subscriber that fires
/// whenever events are published or the run starts or stops.
/// </summary>
internal sealed class RunFeed
{
    private const int Capacity = 4096;
    private readonly Lock gate = new();
    private readonly List<SseFrame> recent = [];

    // Copy-on-write, so a publish walks the subscribers without a lock; each has its own one-slot wake-up channel
    // (a pending wake-up absorbs later ones), so a publish never allocates or contends per subscriber.
    private ChannelWriter<bool>[] subscribers = [];

    /// <summary>Gets a value indicating whether an execution of the run is live in this process.</summary>
    public bool Active { get; private set; }

    /// <summary>
    /// Registers a subscriber: the returned reader yields a wake-up after every publish or state change. Subscribe
    /// BEFORE reading events, so nothing published in between is missed; dispose of the subscription when done.
    /// </summary>
    public Subscription Subscribe()
    {
        var wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
        lock (gate)
        {
            subscribers = [.. subscribers, wake.Writer];
        }

        return new Subscription(this, wake);
    }

    public void Publish(IReadOnlyList<RunEvent> events)
    {
        // Render outside the lock, once for all subscribers.
        var frames = new SseFrame[events.Count];
        for (var i = 0; i < frames.Length; i++)
        {
            frames[i] = SseFrame.Render(events[i]);
        }

        lock (gate)
        {
            if (Active)
            {
                recent.AddRange(frames);
                if (recent.Count > 2 * Capacity)
                {
                    recent.RemoveRange(0, recent.Count - Capacity);
                }
            }
        }

        Wake();
    }

    public void SetActive(bool active)
    {
        lock (gate)
        {
            Active = active;
            recent.Clear();
        }

        Wake();
    }

    /// <summary>
    /// Copies the frames after a sequence number from memory into <paramref name="output"/>; false when memory does not
    /// reach back that far. <paramref name="last"/> becomes the sequence of the last frame copied.
    /// </summary>
    public bool TryCopyAfter(ref long last, int maxCount, IBufferWriter<byte> output, out int copied)
    {
        copied = 0;
        lock (gate)
        {
            if (recent.Count == 0 || recent[0].Seq > last + 1)
            {
                return false;
            }

            var start = (int)Math.Max(0, last + 1 - recent[0].Seq);
            var end = Math.Min(recent.Count, start + maxCount);
            for (var i = start; i < end; i++)
            {
                output.Write(recent[i].Bytes);
                last = recent[i].Seq;
                copied++;
            }

            return true;
        }
    }

    private void Wake()
    {
        foreach (var subscriber in Volatile.Read(ref subscribers))
        {
            subscriber.TryWrite(true);
        }
    }

    private void Unsubscribe(ChannelWriter<bool> writer)
    {
        lock (gate)
        {
            subscribers = Array.FindAll(subscribers, s => s != writer);
        }
    }

    /// <summary>One subscriber's registration: its wake-ups, until disposed.</summary>
    internal sealed class Subscription(RunFeed feed, Channel<bool> wake) : IDisposable
    {
        /// <summary>Gets the wake-ups (also usable by the subscriber's own heartbeat timer).</summary>
        public Channel<bool> Wake { get; } = wake;

        public void Dispose() => feed.Unsubscribe(Wake.Writer);
    }
}
