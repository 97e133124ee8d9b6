namespace Dhee.Server.Runs;

/// <summary>What happened to one node (or one item of a collection node) in a run.</summary>
public sealed record RunNodeTrace
{
    /// <summary>Gets the node id.</summary>
    public required string NodeId { get; init; }

    /// <summary>Gets the collection item id, or null for a stage node.</summary>
    public string? ItemId { get; init; }

    /// <summary>Gets the runner's tool id.</summary>
    public required string Runner { get; init; }

    /// <summary>Gets the outcome: <c>completed</c>, <c>cached</c>, <c>skipped</c>, <c>failed</c> or <c>blocked</c>.</summary>
    public required string Status { get; init; }

    /// <summary>Gets when the node started, if it did.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>Gets when the node finished, if it did.</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Gets the project-relative output path, if any.</summary>
    public string? Output { get; init; }

    /// <summary>Gets a short text preview of the output, if any.</summary>
    public string? Preview { get; init; }

    /// <summary>Gets the credits the node cost.</summary>
    public decimal Credits { get; init; }

    /// <summary>Gets the error message, for failed and blocked nodes.</summary>
    public string? Error { get; init; }
}
