using System.Text.Json.Nodes;

namespace Dhee.Server.Runs;

/// <summary>A run as the store keeps it.</summary>
public sealed record RunRecord
{
    /// <summary>Gets the id returned by <c>createRun</c>.</summary>
    public required string PreparationId { get; init; }

    /// <summary>Gets the id returned by <c>startRun</c>, or null before the run starts.</summary>
    public string? DagRunId { get; init; }

    /// <summary>Gets the user id of the owner.</summary>
    public required string Owner { get; init; }

    /// <summary>Gets the status.</summary>
    public RunStatus Status { get; init; } = RunStatus.Preparing;

    /// <summary>Gets a short name for lists: the bundle or definition id.</summary>
    public string Title { get; init; } = string.Empty;

    /// <summary>Gets the bundle reference (relative to a bundle root) the run was created from, if any.</summary>
    public string? BundleRef { get; init; }

    /// <summary>Gets the definition the run was created from, if any, as JSON.</summary>
    public JsonObject? Definition { get; init; }

    /// <summary>Gets the inputs, written to the project folder's <c>project.json</c>.</summary>
    public JsonObject Inputs { get; init; } = [];

    /// <summary>Gets the absolute project folder the run writes into.</summary>
    public required string ProjectDir { get; init; }

    /// <summary>Gets when the run was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when the run last started or resumed.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>Gets when the run finished.</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Gets the result, once the run has finished.</summary>
    public RunResult? Result { get; init; }
}
