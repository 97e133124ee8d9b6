namespace Dhee.Server.Runs;

/// <summary>
/// The live side of one run's event stream in this process: the recent events in memory (so many subscribers do not
/// all query the store) and a signal that fires whenever events are published or the run starts or stops.
/// </summary>
internal sealed class RunFeed
{
    private const int Capacity = 4096;
    private readonly Lock gate = new();
    private readonly List<SseFrame> recent = [];
    private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Gets a value indicating whether an execution of the run is live in this process.</summary>
    public bool Active { get; private set; }

    /// <summary>Gets a task that completes at the next publish or state change. Take it BEFORE reading events.</summary>
    public Task Changed
    {
        get
        {
            lock (gate)
            {
                return changed.Task;
            }
        }
    }

    public void Publish(IReadOnlyList<RunEvent> events)
    {
        // Render outside the lock, once for all subscribers.
        var frames = events.Select(SseFrame.Render).ToArray();
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

            SignalLocked();
        }
    }

    public void SetActive(bool active)
    {
        lock (gate)
        {
            Active = active;
            recent.Clear();
            SignalLocked();
        }
    }

    /// <summary>Reads event frames after a sequence number from memory; false when memory does not reach back that far.</summary>
    public bool TryReadAfter(long afterSequence, int maxCount, out IReadOnlyList<SseFrame> events)
    {
        lock (gate)
        {
            events = [];
            if (recent.Count == 0 || recent[0].Seq > afterSequence + 1)
            {
                return false;
            }

            var start = (int)Math.Max(0, afterSequence + 1 - recent[0].Seq);
            if (start < recent.Count)
            {
                events = recent.GetRange(start, Math.Min(maxCount, recent.Count - start));
            }

            return true;
        }
    }

    private void SignalLocked()
    {
        var previous = changed;
        changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        previous.TrySetResult();
    }
}
