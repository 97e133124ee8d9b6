using System.Text.Json.Nodes;
using Dhee.Bundles;

namespace Dhee.Server.Execution;

/// <summary>What <see cref="IRunExecutor.ExecuteAsync"/> runs.</summary>
public sealed record RunExecutionRequest
{
    /// <summary>Gets the run id returned by <c>startRun</c>.</summary>
    public required string DagRunId { get; init; }

    /// <summary>Gets the id returned by <c>createRun</c>.</summary>
    public required string PreparationId { get; init; }

    /// <summary>Gets the user id of the run's owner.</summary>
    public required string Owner { get; init; }

    /// <summary>Gets the bundle to walk.</summary>
    public required Bundle Bundle { get; init; }

    /// <summary>Gets the absolute project folder; every output goes below it.</summary>
    public required string ProjectDir { get; init; }

    /// <summary>Gets the run inputs (also written to <c>project.json</c> in the project folder).</summary>
    public JsonObject Inputs { get; init; } = [];

    /// <summary>Gets a value indicating whether this execution resumes an interrupted run (the project folder holds earlier outputs).</summary>
    public bool Resume { get; init; }
}
