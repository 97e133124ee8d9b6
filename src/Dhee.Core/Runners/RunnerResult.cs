using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;

namespace Dhee.Runners;

/// <summary>
/// The outcome of <see cref="IRunner.RunAsync"/>: a success naming the written output, or a failure with an actionable error.
/// </summary>
public sealed class RunnerResult
{
    private RunnerResult(string? outputPath, IReadOnlyList<RunnerArtifact> artifacts, JsonObject metadata, RunnerError? error)
    {
        OutputPath = outputPath;
        Artifacts = artifacts;
        Metadata = metadata;
        Error = error;
    }

    /// <summary>Gets a value indicating whether the runner succeeded.</summary>
    [MemberNotNullWhen(true, nameof(OutputPath))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Error is null;

    /// <summary>Gets the primary output's path, relative to the project folder; null on failure.</summary>
    public string? OutputPath { get; }

    /// <summary>Gets extra files the runner wrote.</summary>
    public IReadOnlyList<RunnerArtifact> Artifacts { get; }

    /// <summary>Gets metadata about the run; see <see cref="RunnerMetadataKeys"/> for the keys the walker reads.</summary>
    public JsonObject Metadata { get; }

    /// <summary>Gets why the runner failed; null on success.</summary>
    public RunnerError? Error { get; }

    /// <summary>Gets a value indicating whether the output came from a cache (<see cref="RunnerMetadataKeys.Cached"/>).</summary>
    public bool Cached => Metadata.TryGetPropertyValue(RunnerMetadataKeys.Cached, out var value)
        && value is JsonValue v && v.TryGetValue<bool>(out var cached) && cached;

    /// <summary>Gets the reported cost in US dollars (<see cref="RunnerMetadataKeys.CostUsd"/>), or 0.</summary>
    public decimal CostUsd => Metadata.TryGetPropertyValue(RunnerMetadataKeys.CostUsd, out var value) && value is JsonValue v
        ? v.TryGetValue<decimal>(out var cost) ? cost
            : v.TryGetValue<double>(out var real) && double.IsFinite(real) ? (decimal)real
            : v.TryGetValue<int>(out var whole) ? whole
            : v.TryGetValue<long>(out var large) ? large : 0m
        : 0m;

    /// <summary>Gets the inputs hash (<see cref="RunnerMetadataKeys.InputsHash"/>), if the runner reported one.</summary>
    public string? InputsHash => Metadata.TryGetPropertyValue(RunnerMetadataKeys.InputsHash, out var value)
        && value is JsonValue v && v.TryGetValue<string>(out var hash) ? hash : null;

    /// <summary>Creates a success.</summary>
    /// <param name="outputPath">The primary output's path, relative to the project folder (an absolute path inside it is accepted too).</param>
    /// <param name="metadata">Optional metadata; see <see cref="RunnerMetadataKeys"/>.</param>
    /// <param name="artifacts">Optional extra files.</param>
    /// <returns>A successful result.</returns>
    public static RunnerResult Success(string outputPath, JsonObject? metadata = null, IReadOnlyList<RunnerArtifact>? artifacts = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputPath);
        return new RunnerResult(outputPath, artifacts ?? [], metadata ?? [], null);
    }

    /// <summary>Creates a failure.</summary>
    /// <param name="message">An actionable message naming the file, model, input or setting at fault and the fix.</param>
    /// <param name="isTransient">True when trying again may succeed.</param>
    /// <returns>A failed result.</returns>
    public static RunnerResult Failure(string message, bool isTransient = false)
        => Failure(new RunnerError(message, isTransient));

    /// <summary>Creates a failure from an error record.</summary>
    /// <param name="error">The error.</param>
    /// <returns>A failed result.</returns>
    public static RunnerResult Failure(RunnerError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new RunnerResult(null, [], [], error);
    }

    /// <inheritdoc/>
    public override string ToString() => IsSuccess ? $"Success({OutputPath})" : $"Failure({Error.Message})";
}
