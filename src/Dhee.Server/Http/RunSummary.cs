using Dhee.Server.Runs;

namespace Dhee.Server.Http;

/// <summary>A run as the API lists it.</summary>
internal sealed record RunSummary(
    string PreparationId,
    string? DagRunId,
    string Owner,
    RunStatus Status,
    string Title,
    string? BundleRef,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    decimal? TotalCredits,
    int? NodeErrorCount)
{
    public static RunSummary From(RunRecord run) => new(
        run.PreparationId,
        run.DagRunId,
        run.Owner,
        run.Status,
        run.Title,
        run.BundleRef,
        run.CreatedAt,
        run.StartedAt,
        run.FinishedAt,
        run.Result?.TotalCredits,
        run.Result?.NodeErrors.Count);
}
