namespace Dhee.Plugins;

/// <summary>One runner a plugin package declares in its <c>runner.json</c>.</summary>
public sealed record PluginRunnerEntry
{
    /// <summary>Gets the dot-namespaced tool id the runner registers under, for example <c>sample.pattern</c>.</summary>
    public required string Tool { get; init; }

    /// <summary>
    /// Gets the full name of the runner type in the entry assembly, or null to find it by scanning the assembly for
    /// public <see cref="Runners.IRunner"/> types and <see cref="IRunnerFactory"/> implementations.
    /// </summary>
    public string? Type { get; init; }

    /// <summary>Gets the name shown to people.</summary>
    public string? DisplayName { get; init; }

    /// <summary>Gets a short description.</summary>
    public string? Description { get; init; }

    /// <summary>Gets the environment variables this runner needs, in addition to the package-wide ones.</summary>
    public IReadOnlyList<string> Credentials { get; init; } = [];
}
