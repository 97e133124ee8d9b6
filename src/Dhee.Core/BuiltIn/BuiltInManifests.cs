using Dhee.Runners;

namespace Dhee.BuiltIn;

/// <summary>Builds the manifests of the runners that ship inside Dhee.Core (one version, one engine range).</summary>
internal static class BuiltInManifests
{
    /// <summary>The version of every built-in runner.</summary>
    public const string Version = "0.1.0";

    /// <summary>Creates a built-in runner's manifest.</summary>
    /// <param name="tool">The tool id.</param>
    /// <param name="displayName">The name shown to people.</param>
    /// <param name="description">A short description.</param>
    /// <param name="permissions">What the runner needs, if anything beyond the project folder.</param>
    /// <returns>The manifest.</returns>
    public static RunnerManifest Create(string tool, string displayName, string description, RunnerPermissions? permissions = null) => new()
    {
        Tool = tool,
        Version = Version,
        EngineCompat = ">=0.1.0",
        DisplayName = displayName,
        Description = description,
        Permissions = permissions,
    };
}
