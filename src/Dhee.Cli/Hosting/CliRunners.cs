using Dhee.BuiltIn;
using Dhee.Bundles;
using Dhee.Plugins;
using Dhee.Registry;

namespace Dhee.Cli.Hosting;

/// <summary>Builds the runner registry every verb uses: the built-in runners (plus, per bundle, the installed plugins it needs).</summary>
internal static class CliRunners
{
    // One loader for the process: a plugin's load context lives as long as the CLI does.
    private static readonly Lazy<PluginLoader> Plugins = new(() => new PluginLoader());

    /// <summary>Creates a registry with every runner the CLI knows.</summary>
    public static RunnerRegistry CreateRegistry()
    {
        var registry = new RunnerRegistry();
        BuiltInRunners.AddTo(registry);
        return registry;
    }

    /// <summary>
    /// Loads the installed runner plugins (DHEE_RUNNERS_DIR, ~/.kshana/runners) that provide tools the bundle uses and
    /// the registry lacks; manifests are read first and only the needed plugins' code is loaded. Plugin problems are
    /// written to <paramref name="warnings"/>; tools nobody provides are left to the bundle validation to report.
    /// </summary>
    public static void AddPluginsFor(RunnerRegistry registry, Bundle bundle, TextWriter warnings)
    {
        var result = Plugins.Value.LoadForBundle(registry, bundle);
        foreach (var failure in result.Failures)
        {
            warnings.WriteLine($"warning: plugin: {failure}");
        }
    }
}
