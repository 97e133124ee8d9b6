using Dhee.Runners;
using NuGet.Versioning;

namespace Dhee.Plugins;

/// <summary>One installed version of a plugin package, described from its manifest alone (no plugin code is loaded).</summary>
public sealed record InstalledPlugin
{
    /// <summary>Gets the validated manifest.</summary>
    public required PluginManifest Manifest { get; init; }

    /// <summary>Gets the absolute package version folder, <c>&lt;root&gt;/Dhee.Runner.&lt;Name&gt;/&lt;version&gt;</c>.</summary>
    public required string Directory { get; init; }

    /// <summary>Gets the runner root the package was found in.</summary>
    public required string Root { get; init; }

    /// <summary>Gets why the plugin cannot run on this engine, or null when its <c>engineCompat</c> range accepts the engine.</summary>
    public string? EngineProblem { get; init; }

    /// <summary>Gets the credentials (environment variables) the plugin's runners need that are unset or blank.</summary>
    public IReadOnlyList<string> MissingCredentials { get; init; } = [];

    /// <summary>Gets the package id.</summary>
    public string Id => Manifest.Id;

    /// <summary>Gets the package version.</summary>
    public SemanticVersion Version => Manifest.Version;

    /// <summary>Gets a value indicating whether the plugin's engine range accepts the running engine.</summary>
    public bool IsEngineCompatible => EngineProblem is null;

    /// <summary>Gets the tool ids the plugin declares.</summary>
    public IReadOnlyList<string> Tools => [.. Manifest.Runners.Select(r => r.Tool)];

    /// <summary>Gets the registry manifests of the plugin's runners.</summary>
    public IReadOnlyList<RunnerManifest> RunnerManifests => Manifest.ToRunnerManifests();

    /// <inheritdoc/>
    public override string ToString() => $"{Id} {Version} ({Directory})";
}
