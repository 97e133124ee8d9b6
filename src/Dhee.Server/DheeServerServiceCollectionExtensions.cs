using Dhee.Bundles;
using Dhee.Errors;
using Dhee.Registry;
using Dhee.Server;
using Dhee.Server.Catalog;
using Dhee.Server.Execution;
using Dhee.Server.Hosting;
using Dhee.Server.Runs;
using Dhee.Server.Security;
using Dhee.Server.Storage;
using Dhee.Walking;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Dhee run service.</summary>
public static class DheeServerServiceCollectionExtensions
{
    /// <summary>
    /// Adds the run service: the store (SQLite when <see cref="DheeServerOptions.DatabasePath"/> is set, else memory),
    /// the runner catalog (a registered <see cref="RunnerRegistry"/>'s runners, else <see cref="DheeServerOptions.CatalogRunners"/>), run coordination, authentication, rate limiting, and the background service that marks
    /// interrupted runs and prunes old ones. Register a <see cref="RunnerRegistry"/> or a <see cref="Walker"/> (runs then use <see cref="WalkerRunExecutor"/>) or an <see cref="IRunExecutor"/>; map the endpoints with <c>MapDhee()</c>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddDheeServer(this IServiceCollection services, Action<DheeServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new DheeServerOptions();
        configure?.Invoke(options);
        if (options.RateLimitPermits < 1 || options.RateLimitWindow <= TimeSpan.Zero || options.MaxRequestBodyBytes < 1
            || options.HeartbeatInterval <= TimeSpan.Zero || options.PruneInterval <= TimeSpan.Zero)
        {
            throw new DheeConfigurationException(
                "DheeServerOptions: RateLimitPermits, RateLimitWindow, MaxRequestBodyBytes, HeartbeatInterval and PruneInterval must be positive; fix the values passed to AddDheeServer.");
        }

        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IRunStore>(_ => options.DatabasePath is { } path ? new SqliteRunStore(path) : new InMemoryRunStore());
        services.TryAddSingleton<IRunnerCatalog>(sp => sp.GetService<RunnerRegistry>() is { } registry
            ? new RegistryRunnerCatalog(registry)
            : new OptionsRunnerCatalog(options));
        services.TryAddSingleton(sp => new RunnerReadiness(sp.GetRequiredService<IRunnerCatalog>(), sp.GetService<RunnerRegistry>()));
        options.BundleLoader ??= BundleLoader.Load;
        services.TryAddSingleton<IRunExecutor>(sp => (sp.GetService<Walker>() ?? WalkerOver(sp.GetService<RunnerRegistry>())) is { } walker
            ? new WalkerRunExecutor(walker, sp.GetService<WalkerRunExecutorOptions>(), sp.GetService<TimeProvider>())
            : throw new DheeConfigurationException(
                "No IRunExecutor is registered for the Dhee run service; register a RunnerRegistry or a Walker (runs then use WalkerRunExecutor) or an IRunExecutor, for example services.AddSingleton<IRunExecutor, SimulatedRunExecutor>() for a dry run."));
        services.TryAddSingleton<RunEventHub>();
        services.TryAddSingleton<RunCoordinator>();
        services.TryAddSingleton<DheeAuthenticator>();
        services.TryAddSingleton<DheeRateLimiter>();
        services.AddHostedService<RunMaintenanceService>();
        return services;
    }

    private static Walker? WalkerOver(RunnerRegistry? registry) => registry is null ? null : new Walker(
        tool => registry.TryGet(tool, out var registration) ? registration.Runner : null,
        registry.ValidateBundle,
        tool => registry.TryGet(tool, out var registration) ? registration.Manifest.Version : null);
}
