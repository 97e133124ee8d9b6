namespace Dhee.Walking;

/// <summary>What happened to one node instance during a walk.</summary>
public sealed record InstanceTrace
{
    /// <summary>Gets the node id.</summary>
    public required string NodeId { get; init; }

    /// <summary>Gets the collection item id, or null for stages.</summary>
    public string? ItemId { get; init; }

    /// <summary>Gets the runner's tool id.</summary>
    public required string Tool { get; init; }

    /// <summary>Gets the outcome.</summary>
    public required InstanceStatus Status { get; init; }

    /// <summary>Gets when the runner started, if it ran.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>Gets when the runner finished, if it ran.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Gets a value indicating whether the runner served the output from its cache.</summary>
    public bool Cached { get; init; }

    /// <summary>Gets the inputs hash the runner reported.</summary>
    public string? InputsHash { get; init; }

    /// <summary>Gets the project-relative output path.</summary>
    public string? OutputPath { get; init; }

    /// <summary>Gets the reported cost in US dollars.</summary>
    public decimal CostUsd { get; init; }

    /// <summary>Gets the error, for failed and blocked instances.</summary>
    public string? Error { get; init; }

    /// <summary>Gets how many times the runner was called (retries included).</summary>
    public int Attempts { get; init; }
}
