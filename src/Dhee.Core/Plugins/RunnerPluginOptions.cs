using NuGet.Versioning;

namespace Dhee.Plugins;

/// <summary>Where runner plugins are installed and how they are loaded.</summary>
/// <remarks>
/// Runner roots, highest precedence first: <see cref="RunnerRoots"/>, then every folder in the
/// <c>DHEE_RUNNERS_DIR</c> environment variable (separated by <see cref="Path.PathSeparator"/>), then
/// <c>~/.kshana/runners</c>. Every root is scanned; among the installed versions of a package the highest compatible one
/// wins, and when the same version is installed in several roots, the copy in the root with higher precedence is used.
/// New packages are installed into the first root.
/// </remarks>
public sealed class RunnerPluginOptions
{
    /// <summary>The environment variable that adds runner roots.</summary>
    public const string RunnersDirEnvironmentVariable = "DHEE_RUNNERS_DIR";

    /// <summary>Gets the runner roots to use before the environment and default ones, highest precedence first.</summary>
    /// <value>The default value is an empty list.</value>
    public IList<string> RunnerRoots { get; } = [];

    /// <summary>Gets or sets a value indicating whether <c>DHEE_RUNNERS_DIR</c> and <c>~/.kshana/runners</c> are used after <see cref="RunnerRoots"/>.</summary>
    /// <value>The default value is true.</value>
    public bool IncludeDefaultRoots { get; set; } = true;

    /// <summary>Gets or sets the engine version plugins' <c>engineCompat</c> ranges are checked against.</summary>
    /// <value>The default value is null, meaning <see cref="DheeEngine.Version"/>.</value>
    public SemanticVersion? EngineVersion { get; set; }

    /// <summary>Gets or sets a value indicating whether a plugin may replace a runner registered as <c>built-in</c> with the same tool id.</summary>
    /// <value>The default value is false: such a plugin runner is rejected, naming both sources.</value>
    public bool AllowReplacingBuiltIns { get; set; }

    /// <summary>Gets or sets a value indicating whether plugins load into collectible contexts that <see cref="PluginLoader.Unload"/> can free.</summary>
    /// <value>The default value is false.</value>
    public bool Collectible { get; set; }

    /// <summary>
    /// Gets extra assembly names to share from the host (in addition to Dhee.Core and the Microsoft.Extensions
    /// abstractions it exposes), for hosts that hand plugins their own contract types.
    /// </summary>
    /// <value>The default value is an empty list.</value>
    public IList<string> SharedAssemblies { get; } = [];

    /// <summary>Gets or sets the services handed to <see cref="IRunnerFactory.CreateRunners"/>.</summary>
    /// <value>The default value is null, meaning an empty service provider.</value>
    public IServiceProvider? Services { get; set; }

    /// <summary>Gets or sets the environment variable reader used for credential checks and roots (for tests).</summary>
    /// <value>The default value is null, meaning <see cref="Environment.GetEnvironmentVariable(string)"/>.</value>
    public Func<string, string?>? EnvironmentReader { get; set; }

    internal SemanticVersion ResolvedEngineVersion => EngineVersion ?? DheeEngine.Version;

    internal string? GetEnvironmentVariable(string name)
        => EnvironmentReader is null ? Environment.GetEnvironmentVariable(name) : EnvironmentReader(name);

    /// <summary>Gets the runner roots in precedence order (highest first), without duplicates.</summary>
    /// <returns>Absolute folder paths; they need not exist.</returns>
    public IReadOnlyList<string> GetRoots()
    {
        var roots = new List<string>();
        void Add(string? path)
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                return;
            }

            var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(ExpandHome(path.Trim())));
            if (!roots.Contains(full, StringComparer.Ordinal))
            {
                roots.Add(full);
            }
        }

        foreach (var root in RunnerRoots)
        {
            Add(root);
        }

        if (IncludeDefaultRoots)
        {
            foreach (var root in (GetEnvironmentVariable(RunnersDirEnvironmentVariable) ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                Add(root);
            }

            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            if (!string.IsNullOrEmpty(home))
            {
                Add(Path.Combine(home, ".kshana", "runners"));
            }
        }

        return roots;
    }

    private static string ExpandHome(string path)
    {
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
        {
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.Length > 2 ? path[2..] : string.Empty);
        }

        return path;
    }
}
