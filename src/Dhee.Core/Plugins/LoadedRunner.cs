using Dhee.Runners;

namespace Dhee.Plugins;

/// <summary>A runner created from a loaded plugin, with the registry manifest built from the plugin's <c>runner.json</c>.</summary>
/// <param name="Manifest">The runner's manifest (tool id, plugin version, engine range, credentials, permissions).</param>
/// <param name="Runner">The runner; calls into it run with the plugin's load context as the contextual reflection context.</param>
public sealed record LoadedRunner(RunnerManifest Manifest, IRunner Runner);
