using System.Collections.Concurrent;
using Dhee.Server.Runs;

namespace Dhee.Server.Storage;

/// <summary>A run store in memory: fast, for development and tests; everything is lost when the process ends.</summary>
public sealed class InMemoryRunStore : IRunStore
{
    private readonly ConcurrentDictionary<string, Entry> runs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> byDagRunId = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public ValueTask CreateAsync(RunRecord run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (!runs.TryAdd(run.PreparationId, new Entry(run)))
        {
            throw new InvalidOperationException($"A run with preparation id '{run.PreparationId}' already exists.");
        }

        Index(run);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<RunRecord?> FindAsync(string id, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Lookup(id)?.Run);

    /// <inheritdoc/>
    public ValueTask UpdateAsync(RunRecord run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (runs.TryGetValue(run.PreparationId, out var entry))
        {
            entry.Run = run;
            Index(run);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask AppendEventsAsync(string preparationId, IReadOnlyList<RunEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (runs.TryGetValue(preparationId, out var entry))
        {
            lock (entry.Events)
            {
                entry.Events.AddRange(events);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<RunEvent>> ReadEventsAsync(string preparationId, long afterSequence, int maxCount, CancellationToken cancellationToken = default)
    {
        if (!runs.TryGetValue(preparationId, out var entry))
        {
            return ValueTask.FromResult<IReadOnlyList<RunEvent>>([]);
        }

        lock (entry.Events)
        {
            var start = BinarySearchAfter(entry.Events, afterSequence);
            var count = Math.Min(maxCount, entry.Events.Count - start);
            return ValueTask.FromResult<IReadOnlyList<RunEvent>>(count <= 0 ? [] : entry.Events.GetRange(start, count));
        }
    }

    /// <inheritdoc/>
    public ValueTask<long> GetLastSequenceAsync(string preparationId, CancellationToken cancellationToken = default)
    {
        if (!runs.TryGetValue(preparationId, out var entry))
        {
            return ValueTask.FromResult(0L);
        }

        lock (entry.Events)
        {
            return ValueTask.FromResult(entry.Events.Count == 0 ? 0 : entry.Events[^1].Seq);
        }
    }

    /// <inheritdoc/>
    public ValueTask<RunPage> ListAsync(RunQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var matching = runs.Values.Select(e => e.Run)
            .Where(r => query.Owner is null || r.Owner == query.Owner)
            .Where(r => query.Statuses is null || query.Statuses.Contains(r.Status))
            .Where(r => query.TitleContains is null || r.Title.Contains(query.TitleContains, StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.PreparationId, StringComparer.Ordinal)
            .ToList();
        return ValueTask.FromResult(new RunPage(matching.Skip(query.Offset).Take(query.Limit).ToArray(), matching.Count));
    }

    /// <inheritdoc/>
    public ValueTask<bool> DeleteAsync(string preparationId, CancellationToken cancellationToken = default)
    {
        if (!runs.TryRemove(preparationId, out var entry))
        {
            return ValueTask.FromResult(false);
        }

        if (entry.Run.DagRunId is { } dagRunId)
        {
            byDagRunId.TryRemove(dagRunId, out _);
        }

        return ValueTask.FromResult(true);
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<RunRecord>> ListRunningAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<RunRecord>>(runs.Values.Select(e => e.Run).Where(r => r.Status == RunStatus.Running).ToArray());

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<RunRecord>> ListFinishedBeforeAsync(DateTimeOffset cutoff, int maxCount, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<RunRecord>>(runs.Values.Select(e => e.Run)
            .Where(r => r.Status.IsFinished() && r.FinishedAt is { } f && f < cutoff).Take(maxCount).ToArray());

    private static int BinarySearchAfter(List<RunEvent> events, long afterSequence)
    {
        int lo = 0, hi = events.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (events[mid].Seq <= afterSequence)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private Entry? Lookup(string id) =>
        runs.TryGetValue(id, out var entry) ? entry
        : byDagRunId.TryGetValue(id, out var preparationId) && runs.TryGetValue(preparationId, out entry) ? entry
        : null;

    private void Index(RunRecord run)
    {
        if (run.DagRunId is { } dagRunId)
        {
            byDagRunId[dagRunId] = run.PreparationId;
        }
    }

    private sealed class Entry(RunRecord run)
    {
        public RunRecord Run { get; set; } = run;

        public List<RunEvent> Events { get; } = [];
    }
}
