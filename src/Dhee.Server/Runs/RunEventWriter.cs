using System.Text.Json.Nodes;
using System.Threading.Channels;
using Dhee.Server.Execution;
using Dhee.Server.Storage;
using Microsoft.Extensions.Logging;

namespace Dhee.Server.Runs;

/// <summary>
/// Numbers a run's events, stores them in batches (one store call per batch) and then publishes them to the run's
/// feed, so a subscriber never sees an event the store does not have.
/// </summary>
internal sealed class RunEventWriter : IRunEventSink
{
    private const int MaxBatch = 2048;
    private readonly string preparationId;
    private readonly IRunStore store;
    private readonly RunFeed feed;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly Channel<RunEvent> channel = Channel.CreateUnbounded<RunEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock gate = new();
    private readonly Task pump;
    private long sequence;

    public RunEventWriter(string preparationId, long lastSequence, IRunStore store, RunFeed feed, TimeProvider time, ILogger logger)
    {
        this.preparationId = preparationId;
        this.store = store;
        this.feed = feed;
        this.time = time;
        this.logger = logger;
        sequence = lastSequence;
        pump = Task.Run(PumpAsync);
    }

    public void Emit(string kind, string? nodeId = null, string? itemId = null, JsonNode? payload = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        lock (gate)
        {
            sequence++;
            channel.Writer.TryWrite(new RunEvent(sequence, kind, nodeId, itemId, payload?.DeepClone(), time.GetUtcNow()));
        }
    }

    /// <summary>Stops accepting events and waits until every accepted event is stored and published.</summary>
    public async Task CompleteAsync()
    {
        channel.Writer.TryComplete();
        await pump.ConfigureAwait(false);
    }

    private async Task PumpAsync()
    {
        var reader = channel.Reader;
        var batch = new List<RunEvent>(MaxBatch);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxBatch && reader.TryRead(out var e))
            {
                batch.Add(e);
            }

            try
            {
                await store.AppendEventsAsync(preparationId, batch, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Could not store {Count} events of run {PreparationId}; live subscribers still receive them.", batch.Count, preparationId);
            }

            feed.Publish(batch);
        }
    }
}
