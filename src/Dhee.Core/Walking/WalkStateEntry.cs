namespace Dhee.Walking;

/// <summary>The recorded state of one node instance of a project (see <see cref="Walker.ReadState"/>).</summary>
public sealed record WalkStateEntry
{
    /// <summary>Gets the node id.</summary>
    public required string NodeId { get; init; }

    /// <summary>Gets the collection item id, or null for stages.</summary>
    public string? ItemId { get; init; }

    /// <summary>Gets the runner's tool id.</summary>
    public string? Tool { get; init; }

    /// <summary>Gets the recorded status.</summary>
    public required WalkStateStatus Status { get; init; }

    /// <summary>Gets the project-relative output path of a completed instance.</summary>
    public string? OutputPath { get; init; }

    /// <summary>Gets a value indicating whether the output came from a cache.</summary>
    public bool Cached { get; init; }

    /// <summary>Gets the inputs hash the runner reported.</summary>
    public string? InputsHash { get; init; }

    /// <summary>Gets the reported cost in US dollars.</summary>
    public decimal CostUsd { get; init; }

    /// <summary>Gets the error of a failed instance.</summary>
    public string? Error { get; init; }

    /// <summary>Gets when the runner started.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>Gets when the instance completed or failed.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Gets the keys (<c>node</c> or <c>node:item</c>) of the upstream instances it consumed.</summary>
    public IReadOnlyList<string> Dependencies { get; init; } = [];
}
