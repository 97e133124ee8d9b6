using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dhee.Walking;

/// <summary>
/// A sequence-numbered record of something that happened in a walk. Sequence numbers increase monotonically within a
/// project's <c>.dhee/events.jsonl</c>, across walks.
/// </summary>
public sealed record WalkEvent
{
    internal static readonly JsonSerializerOptions JsonOptions = State.WalkEventJsonContext.Default.Options;

    /// <summary>Gets the sequence number.</summary>
    public required long Sequence { get; init; }

    /// <summary>Gets when it happened.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>Gets what happened.</summary>
    public required WalkEventKind Kind { get; init; }

    /// <summary>Gets the id of the walk it belongs to.</summary>
    public required string WalkId { get; init; }

    /// <summary>Gets the node, if the event is about one.</summary>
    public string? NodeId { get; init; }

    /// <summary>Gets the collection item, if the event is about one.</summary>
    public string? ItemId { get; init; }

    /// <summary>Gets the runner's tool id.</summary>
    public string? Tool { get; init; }

    /// <summary>Gets a human-readable detail (error, progress message, collection source, status).</summary>
    public string? Message { get; init; }

    /// <summary>Gets progress between 0 and 1, for <see cref="WalkEventKind.NodeProgress"/>.</summary>
    public double? Progress { get; init; }

    /// <summary>Gets the project-relative output path, for completions.</summary>
    public string? OutputPath { get; init; }

    /// <summary>Gets the reported cost, for completions; the total spend for <see cref="WalkEventKind.WalkFinished"/> and budget events.</summary>
    public decimal? CostUsd { get; init; }

    /// <summary>Gets the item count of a collection, or the planned node count for <see cref="WalkEventKind.WalkStarted"/>.</summary>
    public int? ItemCount { get; init; }

    /// <summary>Gets, for progress-bearing events, how many instances have finished (completed, skipped, failed or blocked).</summary>
    public int? Done { get; init; }

    /// <summary>Gets, for progress-bearing events, how many instances are known so far.</summary>
    public int? Total { get; init; }

    /// <summary>Gets the walk's result, on <see cref="WalkEventKind.WalkFinished"/> only (not written to the event log).</summary>
    [JsonIgnore]
    public WalkResult? Result { get; init; }
}
