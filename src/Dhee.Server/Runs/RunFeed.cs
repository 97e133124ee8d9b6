using System.Buffers;
using System.IO.Pipelines;

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

    // Copy-on-write, so a publish walks the subscribers without the feed's lock; each subscriber either takes the frames
    // straight into its idle output or gets a one-slot wake-up, so a publish never allocates per subscriber.
    private RunSubscription[] subscribers = [];

    /// <summary>Gets a value indicating whether an execution of the run is live in this process.</summary>
    public bool Active { get; private set; }

    /// <summary>
    /// Registers a subscriber, woken after every publish or state change it has to handle itself. Subscribe BEFORE
    /// reading events, so nothing published in between is missed; dispose of the subscription when done.
    /// </summary>
    /// <param name="direct">
    /// The subscriber's output, which publishes write to directly while the subscriber has released it; null for a
    /// subscriber that sends everything from its own loop.
    /// </param>
    public RunSubscription Subscribe(PipeWriter? direct = null)
    {
        var subscription = new RunSubscription(this, direct);
        lock (gate)
        {
            subscribers = [.. subscribers, subscription];
        }

        return subscription;
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

        foreach (var subscriber in Volatile.Read(ref subscribers))
        {
            subscriber.Offer(frames);
        }

    }

    public void SetActive(bool active)
    {
        lock (gate)
        {
            Active = active;
            recent.Clear();
        }

        foreach (var subscriber in Volatile.Read(ref subscribers))
        {
            subscriber.Signal();
        }
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

    internal void Unsubscribe(RunSubscription subscription)
    {
        lock (gate)
        {
            subscribers = Array.FindAll(subscribers, s => s != subscription);
        }
    }
}
