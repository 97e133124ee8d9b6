using Dhee.Errors;
using Dhee.Plugins;
using Dhee.Runners;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Dhee.Hosting;

/// <summary>
/// Builds a <see cref="DheeHost"/> for console tools and tests that have no host container: the same registrations
/// as <c>services.AddDhee()</c>, in a private service collection. Its methods mirror <see cref="DheeBuilderExtensions"/>
/// and return this builder, so a chain ends with <see cref="Build"/>.
/// </summary>
public sealed class DheeHostBuilder : IDheeBuilder
{
    private readonly IDheeBuilder _dhee;

    internal DheeHostBuilder(Action<DheeOptions>? configure)
    {
        Services = new ServiceCollection();
        _dhee = Services.AddDhee(configure);
    }

    /// <inheritdoc/>
    public IServiceCollection Services { get; }

    /// <inheritdoc/>
    public IHttpClientBuilder ComfyHttpClient => _dhee.ComfyHttpClient;

    /// <inheritdoc/>
    public IHttpClientBuilder RunPodHttpClient => _dhee.RunPodHttpClient;

    /// <summary>Binds <see cref="DheeOptions"/> from the <c>Dhee</c> section of <paramref name="configuration"/> (before any code-set options).</summary>
    /// <param name="configuration">The configuration.</param>
    /// <returns>This builder.</returns>
    public DheeHostBuilder UseConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        Services.AddSingleton(configuration);
        return this;
    }

    /// <inheritdoc cref="DheeBuilderExtensions.AddRunner{TRunner}(IDheeBuilder, RunnerManifest?, bool)"/>
    public DheeHostBuilder AddRunner<TRunner>(RunnerManifest? manifest = null, bool replaceExisting = false)
        where TRunner : class, IRunner
    {
        _dhee.AddRunner<TRunner>(manifest, replaceExisting);
        return this;
    }

    /// <inheritdoc cref="DheeBuilderExtensions.AddRunner(IDheeBuilder, RunnerManifest, IRunner, bool)"/>
    public DheeHostBuilder AddRunner(RunnerManifest manifest, IRunner runner, bool replaceExisting = false)
    {
        _dhee.AddRunner(manifest, runner, replaceExisting);
        return this;
    }

    /// <inheritdoc cref="DheeBuilderExtensions.AddRunnersFromPlugins"/>
    public DheeHostBuilder AddRunnersFromPlugins(Action<RunnerPluginOptions>? configure = null)
    {
        _dhee.AddRunnersFromPlugins(configure);
        return this;
    }

    /// <inheritdoc cref="DheeBuilderExtensions.AddComfyEndpoint(IDheeBuilder, string, string)"/>
    public DheeHostBuilder AddComfyEndpoint(string name, string baseUrl)
    {
        _dhee.AddComfyEndpoint(name, baseUrl);
        return this;
    }

    /// <inheritdoc cref="DheeBuilderExtensions.AddComfyEndpoint(IDheeBuilder, string, Action{DheeEndpointOptions})"/>
    public DheeHostBuilder AddComfyEndpoint(string name, Action<DheeEndpointOptions> configure)
    {
        _dhee.AddComfyEndpoint(name, configure);
        return this;
    }

    /// <inheritdoc cref="DheeBuilderExtensions.AddRunPodEndpoint"/>
    public DheeHostBuilder AddRunPodEndpoint(string name, string endpointId, Action<DheeEndpointOptions>? configure = null)
    {
        _dhee.AddRunPodEndpoint(name, endpointId, configure);
        return this;
    }

    /// <inheritdoc cref="DheeBuilderExtensions.AddChatClient(IDheeBuilder, IChatClient)"/>
    public DheeHostBuilder AddChatClient(IChatClient client)
    {
        _dhee.AddChatClient(client);
        return this;
    }

    /// <summary>Builds the host and validates the options, as a generic host does at start-up.</summary>
    /// <returns>The host; dispose it to release HTTP clients, plugins and pools.</returns>
    /// <exception cref="DheeConfigurationException">The options are invalid; the message names every setting to fix.</exception>
    public DheeHost Build()
    {
        var provider = Services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        try
        {
            provider.GetService<IStartupValidator>()?.Validate();
        }
        catch (OptionsValidationException ex)
        {
            provider.Dispose();
            throw new DheeConfigurationException("Dhee settings are invalid: " + ex.Message, ex);
        }

        return new DheeHost(provider);
    }
}
