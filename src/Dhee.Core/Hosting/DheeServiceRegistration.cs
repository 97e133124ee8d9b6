using Dhee.BuiltIn;
using Dhee.BuiltIn.Ffmpeg;
using Dhee.BuiltIn.Llm;
using Dhee.Caching;
using Dhee.Comfy;
using Dhee.Endpoints;
using Dhee.Plugins;
using Dhee.Registry;
using Dhee.Walking;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dhee.Hosting;

/// <summary>The registrations shared by <c>AddDhee</c> and <see cref="DheeHostBuilder"/>.</summary>
internal static class DheeServiceRegistration
{
    /// <summary>The log category of plugin loading problems found while the registry is built.</summary>
    public const string PluginLogCategory = "Dhee.Plugins";

    public static void AddCore(IServiceCollection services)
    {
        services.AddSingleton<DheeServicesMarker>();

        // Configuration first, so code passed to AddDhee and Configure<DheeOptions> wins over it.
        services.AddOptions<DheeOptions>().ValidateOnStart();
        services.AddSingleton<IConfigureOptions<DheeOptions>>(sp => new ConfigureNamedOptions<DheeOptions>(
            Options.DefaultName,
            options => sp.GetService<IConfiguration>()?.GetSection(DheeOptions.SectionName).Bind(options)));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DheeOptions>, DheeOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        // The clients enforce their own per-request and overall limits; HttpClient's 100 s default would cut long downloads.
        services.AddHttpClient(ComfyClientFactory.HttpClientName).ConfigureHttpClient(http => http.Timeout = Timeout.InfiniteTimeSpan);
        services.AddHttpClient(ComfyClientFactory.RunPodHttpClientName).ConfigureHttpClient(http => http.Timeout = Timeout.InfiniteTimeSpan);

        services.TryAddSingleton(sp => new EndpointResolver(Get(sp).ToEndpointOptions()));
        services.TryAddSingleton<IComfyClientFactory>(sp => new ComfyClientFactory(
            sp.GetRequiredService<IHttpClientFactory>(), null, sp.GetService<ILoggerFactory>(), sp.GetService<TimeProvider>()));
        services.TryAddSingleton(sp => new ComfyExecutor(sp.GetRequiredService<IComfyClientFactory>(), sp.GetRequiredService<EndpointResolver>()));
        services.TryAddSingleton<IGenerationCache>(sp =>
        {
            var options = Get(sp);
            return GenerationCache.Open(new GenerationCacheOptions
            {
                Root = options.CacheRoot,
                Enabled = !options.DisableCache,
                TimeProvider = sp.GetService<TimeProvider>() ?? TimeProvider.System,
            });
        });
        services.TryAddSingleton(CreateRegistry);
        services.TryAddSingleton(sp => new Walker(
            sp.GetRequiredService<RunnerRegistry>(), sp, sp.GetService<ILoggerFactory>(), sp.GetRequiredService<IGenerationCache>()));
    }

    public static void AddPlugins(IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(DheePluginsMarker)))
        {
            return;
        }

        services.AddSingleton<DheePluginsMarker>();
        services.AddOptions<RunnerPluginOptions>();
        services.TryAddSingleton(sp =>
        {
            var dhee = Get(sp);
            var options = sp.GetRequiredService<IOptions<RunnerPluginOptions>>().Value;
            if (!string.IsNullOrWhiteSpace(dhee.RunnersDirectory) && !options.RunnerRoots.Contains(dhee.RunnersDirectory))
            {
                options.RunnerRoots.Add(dhee.RunnersDirectory);
            }

            options.IncludeDefaultRoots &= dhee.IncludeDefaultRunnerRoots;
            options.Services ??= sp;
            return new PluginLoader(options);
        });
    }

    private static DheeOptions Get(IServiceProvider services) => services.GetRequiredService<IOptions<DheeOptions>>().Value;

    private static RunnerRegistry CreateRegistry(IServiceProvider services)
    {
        var options = Get(services);
        var registry = new RunnerRegistry();
        if (options.RegisterBuiltInRunners)
        {
            var llm = services.GetService<IOptions<LlmGenerateOptions>>()?.Value ?? new LlmGenerateOptions();
            llm.FallbackChatClient ??= services.GetService<IChatClient>();
            BuiltInRunners.AddTo(registry, services.GetService<IOptions<FfmpegOptions>>()?.Value, llm, services.GetRequiredService<ComfyExecutor>());
        }

        foreach (var added in services.GetServices<DheeRunnerRegistration>())
        {
            var (manifest, runner) = added.Create(services);
            registry.Register(manifest, runner, added.Source, added.ReplaceExisting);
        }

        if (services.GetService<DheePluginsMarker>() is not null)
        {
            var result = services.GetRequiredService<PluginLoader>().LoadAll(registry);
            var logger = services.GetService<ILoggerFactory>()?.CreateLogger(PluginLogCategory);
            if (logger is not null)
            {
                foreach (var failure in result.Failures)
                {
                    logger.LogWarning("A runner plugin was not loaded: {Failure}", failure.ToString());
                }

                foreach (var warning in result.Warnings)
                {
                    logger.LogInformation("Runner plugin: {Warning}", warning);
                }
            }
        }

        return registry;
    }
}
