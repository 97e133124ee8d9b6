using Dhee.Server.Runs;

namespace Dhee.Server.Storage;

/// <summary>
/// Keeps runs, their events and their results. Implementations: <see cref="InMemoryRunStore"/> (lost on restart) and
/// <see cref="SqliteRunStore"/> (survives restarts). Implementations are thread-safe.
/// </summary>
public interface IRunStore
{
    /// <summary>Adds a new run.</summary>
    /// <param name="run">The run.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the run is stored.</returns>
    ValueTask CreateAsync(RunRecord run, CancellationToken cancellationToken = default);

    /// <summary>Finds a run by preparation id or dag run id.</summary>
    /// <param name="id">Either id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The run, or null.</returns>
    ValueTask<RunRecord?> FindAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Replaces a run (matched by preparation id).</summary>
    /// <param name="run">The run.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the run is stored.</returns>
    ValueTask UpdateAsync(RunRecord run, CancellationToken cancellationToken = default);

    /// <summary>Appends events in one batch; their sequence numbers continue the run's.</summary>
    /// <param name="preparationId">The run's preparation id.</param>
    /// <param name="events">The events, in sequence order.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the events are stored.</returns>
    ValueTask AppendEventsAsync(string preparationId, IReadOnlyList<RunEvent> events, CancellationToken cancellationToken = default);

    /// <summary>Reads events after a sequence number, in order.</summary>
    /// <param name="preparationId">The run's preparation id.</param>
    /// <param name="afterSequence">Only events with a greater sequence number are returned.</param>
    /// <param name="maxCount">The most events to return.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The events.</returns>
    ValueTask<IReadOnlyList<RunEvent>> ReadEventsAsync(string preparationId, long afterSequence, int maxCount, CancellationToken cancellationToken = default);

    /// <summary>Gets the sequence number of the run's last event, or 0.</summary>
    /// <param name="preparationId">The run's preparation id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The last sequence number.</returns>
    ValueTask<long> GetLastSequenceAsync(string preparationId, CancellationToken cancellationToken = default);

    /// <summary>Lists runs, newest first.</summary>
    /// <param name="query">The filters and page.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The page.</returns>
    ValueTask<RunPage> ListAsync(RunQuery query, CancellationToken cancellationToken = default);

    /// <summary>Deletes a run and its events.</summary>
    /// <param name="preparationId">The run's preparation id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>True when a run was deleted.</returns>
    ValueTask<bool> DeleteAsync(string preparationId, CancellationToken cancellationToken = default);

    /// <summary>Lists runs that are still marked running (used at startup to mark them interrupted).</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The runs.</returns>
    ValueTask<IReadOnlyList<RunRecord>> ListRunningAsync(CancellationToken cancellationToken = default);

    /// <summary>Lists finished runs that finished before a time (used by TTL pruning).</summary>
    /// <param name="cutoff">Runs that finished before this time are listed.</param>
    /// <param name="maxCount">The most runs to return.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The runs.</returns>
    ValueTask<IReadOnlyList<RunRecord>> ListFinishedBeforeAsync(DateTimeOffset cutoff, int maxCount, CancellationToken cancellationToken = default);
}
