using Dhee.Runners;

namespace Dhee.Plugins;

/// <summary>
/// Creates a plugin's runners when they cannot be built with a parameterless constructor. The plugin loader
/// instantiates every public, non-abstract implementation that has a public parameterless constructor.
/// </summary>
public interface IRunnerFactory
{
    /// <summary>Creates the runners this factory provides.</summary>
    /// <param name="services">The host's services (may be empty); use them for options, HTTP clients and loggers.</param>
    /// <returns>The runners; each one's <see cref="RunnerDescription.Id"/> must be declared in the plugin's <c>runner.json</c>.</returns>
    IEnumerable<IRunner> CreateRunners(IServiceProvider services);
}
