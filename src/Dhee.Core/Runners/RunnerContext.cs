using System.Text.Json.Nodes;
using Dhee.Bundles;
using Dhee.Caching;
using Dhee.Inputs;
using Dhee.Utils;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dhee.Runners;

/// <summary>
/// Everything a runner receives for one node instance: the node, its resolved inputs, where to read bundle files
/// and write outputs, the cancellation token, a logger and the host's services.
/// </summary>
public sealed class RunnerContext
{
    private readonly string _projectDir = string.Empty;
    private readonly string? _bundleDir;

    /// <summary>Gets the absolute project folder. Every output is written under it.</summary>
    public required string ProjectDir
    {
        get => _projectDir;
        init => _projectDir = Path.GetFullPath(Guard.NotNullOrWhiteSpace(value));
    }

    /// <summary>Gets the absolute bundle folder that config paths (prompts, schemas, workflows) resolve against, if the bundle has one.</summary>
    public string? BundleDir
    {
        get => _bundleDir;
        init => _bundleDir = value is null ? null : Path.GetFullPath(value);
    }

    /// <summary>Gets the node being run.</summary>
    public required BundleNode Node { get; init; }

    /// <summary>Gets the tool id the node is run with (the node's <c>runner.tool</c>).</summary>
    public string Tool => Node.Runner.Tool;

    /// <summary>Gets the node's runner configuration, validated against the runner's config schema.</summary>
    public JsonObject Config => Node.Runner.Config;

    /// <summary>Gets the collection item this instance is for; null for stage nodes.</summary>
    public string? ItemId { get; init; }

    /// <summary>Gets the collection item's JSON (the element of the item source's array) for collection instances; null for stages.</summary>
    public JsonNode? Item { get; init; }

    /// <summary>Gets the resolved inputs, keyed by the upstream node id or bundle input id.</summary>
    public RunnerInputs Inputs { get; init; } = RunnerInputs.Empty;

    /// <summary>Gets where the runner must write its primary output, relative to <see cref="ProjectDir"/> (the node's output pattern, rendered).</summary>
    public required string OutputPath { get; init; }

    /// <summary>Gets the token that is cancelled when the walk is stopped; thread it to every request, wait and subprocess.</summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>Gets the logger for this node instance.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>Gets the host's services (chat clients, HTTP client factory, options, …).</summary>
    public IServiceProvider Services { get; init; } = EmptyServiceProvider.Instance;

    /// <summary>Gets the clock to use for timeouts and timestamps.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Gets the content-addressed generation cache, or null when the host runs without one.</summary>
    public IGenerationCache? Cache { get; init; }

    /// <summary>Gets the sink for progress reports, if the host listens.</summary>
    public IProgress<RunnerProgress>? Progress { get; init; }

    /// <summary>Gets the absolute path of <see cref="OutputPath"/>. The walker creates its folder before calling the runner.</summary>
    public string OutputFullPath => SafePath.Resolve(ProjectDir, OutputPath);

    /// <summary>Reports progress to the host.</summary>
    /// <param name="fraction">Completion between 0 and 1, or null when unknown.</param>
    /// <param name="message">A short status.</param>
    public void ReportProgress(double? fraction, string? message = null) => Progress?.Report(new RunnerProgress(fraction, message));

    /// <summary>
    /// Resolves a path from the node's config (a prompt template, schema or workflow) against <see cref="BundleDir"/>.
    /// </summary>
    /// <param name="relativePath">The bundle-relative path.</param>
    /// <param name="fullPath">The absolute path, when the call succeeds.</param>
    /// <param name="error">Why the path cannot be used, when the call fails.</param>
    /// <returns>True when the path is inside the bundle folder and the bundle has a folder.</returns>
    public bool TryResolveBundlePath(string relativePath, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? fullPath, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        fullPath = null;
        if (BundleDir is null)
        {
            error = $"node '{Node.Id}' needs the bundle folder to resolve '{relativePath}', but the bundle was not loaded from a folder or file";
            return false;
        }

        if (!SafePath.TryResolve(BundleDir, relativePath, out fullPath, out error))
        {
            error = $"node '{Node.Id}': {error}";
            return false;
        }

        return true;
    }

    /// <summary>Resolves a project-relative path against <see cref="ProjectDir"/>, refusing paths that escape it.</summary>
    /// <param name="relativePath">The project-relative path.</param>
    /// <returns>The absolute path.</returns>
    /// <exception cref="ArgumentException">The path is absolute or escapes the project folder.</exception>
    public string ResolveProjectPath(string relativePath) => SafePath.Resolve(ProjectDir, relativePath);
}
