namespace Dhee.Runners;

/// <summary>
/// The registration record of a runner: its tool id, its own version, the engine versions it works with and the
/// credentials it needs. Built-in runners declare one in code; plugins ship it as <c>runner.json</c>.
/// </summary>
public sealed record RunnerManifest
{
    /// <summary>Gets the dot-namespaced tool id, for example <c>comfy.tti</c>.</summary>
    public required string Tool { get; init; }

    /// <summary>Gets the runner's semantic version, for example <c>1.2.0</c>.</summary>
    public required string Version { get; init; }

    /// <summary>Gets the npm-style range of engine versions the runner works with, for example <c>^0.1.0</c>.</summary>
    public required string EngineCompat { get; init; }

    /// <summary>Gets the names of environment variables that must be set (and not blank) for the runner to work.</summary>
    public IReadOnlyList<string> Credentials { get; init; } = [];

    /// <summary>Gets the name shown to people.</summary>
    public string? DisplayName { get; init; }

    /// <summary>Gets a short description.</summary>
    public string? Description { get; init; }

    /// <summary>Gets, for plugins, the entry assembly relative to the package folder.</summary>
    public string? Entry { get; init; }

    /// <summary>Gets what the runner declares it needs.</summary>
    public RunnerPermissions? Permissions { get; init; }
}
