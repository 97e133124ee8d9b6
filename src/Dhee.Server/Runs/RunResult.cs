namespace Dhee.Server.Runs;

/// <summary>The result of a run, as <c>getRunResult</c> returns it.</summary>
public sealed record RunResult
{
    /// <summary>Gets the run id returned by <c>startRun</c>.</summary>
    public required string DagRunId { get; init; }

    /// <summary>Gets the status.</summary>
    public required RunStatus Status { get; init; }

    /// <summary>Gets one trace per node and item.</summary>
    public IReadOnlyList<RunNodeTrace> Traces { get; init; } = [];

    /// <summary>Gets every node failure.</summary>
    public IReadOnlyList<RunNodeError> NodeErrors { get; init; } = [];

    /// <summary>Gets the sum of every node's cost.</summary>
    public decimal TotalCredits { get; init; }
}
