using Dhee.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Dhee in a host's service collection.</summary>
public static class DheeServiceCollectionExtensions
{
    /// <summary>
    /// Adds the Dhee services: <see cref="DheeOptions"/> bound from the <c>Dhee</c> configuration section (when an
    /// <c>IConfiguration</c> is registered) and validated at start-up, the generation cache, the endpoint resolver, the
    /// ComfyUI/RunPod client factory over named HTTP clients, the shared <see cref="Dhee.Comfy.ComfyExecutor"/>, a
    /// <see cref="Dhee.Registry.RunnerRegistry"/> with the built-in runners, and a <see cref="Dhee.Walking.Walker"/> whose walks
    /// default to this container's services, loggers and cache. Calling it again registers nothing twice; its
    /// <paramref name="configure"/> is still applied.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Adjusts the options after configuration is bound.</param>
    /// <returns>A builder to add runners, plugins, endpoints and a chat client.</returns>
    public static IDheeBuilder AddDhee(this IServiceCollection services, Action<DheeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (!services.Any(d => d.ServiceType == typeof(DheeServicesMarker)))
        {
            DheeServiceRegistration.AddCore(services);
        }

        if (configure is not null)
        {
            services.Configure(configure);
        }

        return new DheeBuilder(services);
    }
}
