using Dhee.Registry;
using Dhee.Walking;
using Microsoft.Extensions.DependencyInjection;

namespace Dhee.Hosting;

/// <summary>
/// Dhee without a host container, for console tools and tests: <c>await using var dhee = DheeHost.CreateBuilder().AddRunner&lt;MyRunner&gt;().AddRunnersFromPlugins().Build();</c>
/// then walk with <see cref="Walker"/>. Hosts that have a container call <c>services.AddDhee()</c> instead.
/// </summary>
public sealed class DheeHost : IAsyncDisposable, IDisposable
{
    private readonly ServiceProvider _provider;

    internal DheeHost(ServiceProvider provider) => _provider = provider;

    /// <summary>Gets the services (the registry, walker, executor, options, HTTP client factory, …).</summary>
    public IServiceProvider Services => _provider;

    /// <summary>Gets the runner registry: built-in runners, added runners and loaded plugins.</summary>
    public RunnerRegistry Registry => _provider.GetRequiredService<RunnerRegistry>();

    /// <summary>Gets the walker over <see cref="Registry"/>; its walks default to this host's services and cache.</summary>
    public Walker Walker => _provider.GetRequiredService<Walker>();

    /// <summary>Starts building a host.</summary>
    /// <param name="configure">Sets the options; null for the defaults.</param>
    /// <returns>The builder.</returns>
    public static DheeHostBuilder CreateBuilder(Action<DheeOptions>? configure = null) => new(configure);

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _provider.DisposeAsync();

    /// <inheritdoc/>
    public void Dispose() => _provider.Dispose();
}
