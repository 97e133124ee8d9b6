using Dhee.Registry;
using Dhee.Runners.BuiltIn;

namespace Dhee.Cli.Hosting;

/// <summary>Builds the runner registry every verb uses: the built-in runners (and, once loaded, installed plugins).</summary>
internal static class CliRunners
{
    /// <summary>Creates a registry with every runner the CLI knows.</summary>
    public static RunnerRegistry CreateRegistry()
    {
        var registry = new RunnerRegistry();
        BuiltInRunners.AddTo(registry);
        return registry;
    }
}
