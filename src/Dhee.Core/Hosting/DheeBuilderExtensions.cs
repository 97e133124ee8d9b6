using System.Reflection;
using Dhee.BuiltIn.Llm;
using Dhee.Hosting;
using Dhee.Plugins;
using Dhee.Runners;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds runners, plugins, endpoints and a chat client to the Dhee services.</summary>
public static class DheeBuilderExtensions
{
    /// <summary>The name of the HTTP client <see cref="AddOpenAICompatibleChatClient"/> uses.</summary>
    public const string LlmHttpClientName = "Dhee.Llm";

    /// <summary>
    /// Registers a runner type. It is created from the container (constructor injection works) when the registry is
    /// first resolved. Its manifest is <paramref name="manifest"/>, else a public static <c>Manifest</c> property of
    /// <typeparamref name="TRunner"/>, else one made from <see cref="IRunner.Describe"/> (its id, the assembly version, any engine).
    /// </summary>
    /// <typeparam name="TRunner">The runner type.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="manifest">The manifest, or null to find one as described.</param>
    /// <param name="replaceExisting">True to replace a runner already registered under the same tool id (for example a built-in).</param>
    /// <returns>The builder.</returns>
    /// <remarks>A duplicate tool id fails when the registry is resolved, with a <see cref="Dhee.Errors.DheeConfigurationException"/> naming both sources.</remarks>
    public static IDheeBuilder AddRunner<TRunner>(this IDheeBuilder builder, RunnerManifest? manifest = null, bool replaceExisting = false)
        where TRunner : class, IRunner
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<TRunner>();
        builder.Services.AddSingleton(new DheeRunnerRegistration(
            services =>
            {
                var runner = services.GetRequiredService<TRunner>();
                return (manifest ?? ManifestOf(runner), runner);
            },
            "host:" + typeof(TRunner).FullName,
            replaceExisting));
        return builder;
    }

    /// <summary>Registers a runner instance under a manifest.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="manifest">The manifest.</param>
    /// <param name="runner">The runner.</param>
    /// <param name="replaceExisting">True to replace a runner already registered under the same tool id.</param>
    /// <returns>The builder.</returns>
    public static IDheeBuilder AddRunner(this IDheeBuilder builder, RunnerManifest manifest, IRunner runner, bool replaceExisting = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(runner);
        builder.Services.AddSingleton(new DheeRunnerRegistration(_ => (manifest, runner), "host:" + runner.GetType().FullName, replaceExisting));
        return builder;
    }

    /// <summary>
    /// Loads every installed runner plugin (<c>Dhee.Runner.*</c> packages) into the registry when it is first resolved:
    /// from <see cref="DheeOptions.RunnersDirectory"/> and the roots set by <paramref name="configure"/>, then
    /// <c>DHEE_RUNNERS_DIR</c> and <c>~/.kshana/runners</c> (unless <see cref="DheeOptions.IncludeDefaultRunnerRoots"/>
    /// is false). Plugins that fail are logged as warnings (category <c>Dhee.Plugins</c>) and leave the others loaded;
    /// a bundle that needs a missing runner is then rejected by validation with an install hint.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Adjusts the plugin options (roots, shared assemblies, collectible contexts).</param>
    /// <returns>The builder.</returns>
    public static IDheeBuilder AddRunnersFromPlugins(this IDheeBuilder builder, Action<RunnerPluginOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        DheeServiceRegistration.AddPlugins(builder.Services);
        if (configure is not null)
        {
            builder.Services.Configure(configure);
        }

        return builder;
    }

    /// <summary>Adds (or edits) a named ComfyUI endpoint, as if set in <c>Dhee:Endpoints:&lt;name&gt;</c>; nodes use it with <c>"endpoint": "&lt;name&gt;"</c>.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="name">The endpoint name.</param>
    /// <param name="configure">Sets the address (<see cref="DheeEndpointOptions.BaseUrl"/>), pool members, credentials and limits.</param>
    /// <returns>The builder.</returns>
    public static IDheeBuilder AddComfyEndpoint(this IDheeBuilder builder, string name, Action<DheeEndpointOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure<DheeOptions>(options => configure(Endpoint(options, name)));
        return builder;
    }

    /// <summary>Adds a named ComfyUI endpoint at an address.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="name">The endpoint name.</param>
    /// <param name="baseUrl">The server's address, such as <c>http://127.0.0.1:8188</c>.</param>
    /// <returns>The builder.</returns>
    public static IDheeBuilder AddComfyEndpoint(this IDheeBuilder builder, string name, string baseUrl)
        => builder.AddComfyEndpoint(name, endpoint => endpoint.BaseUrl = baseUrl);

    /// <summary>Adds (or edits) a named RunPod serverless endpoint running worker-comfyui; the API key is read from <c>RUNPOD_API_KEY</c> unless <paramref name="configure"/> sets <see cref="DheeEndpointOptions.CredentialEnv"/>.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="name">The endpoint name.</param>
    /// <param name="endpointId">The RunPod endpoint id.</param>
    /// <param name="configure">Adjusts the endpoint (credential variable, API base, <c>/runsync</c>, limits), or null.</param>
    /// <returns>The builder.</returns>
    public static IDheeBuilder AddRunPodEndpoint(this IDheeBuilder builder, string name, string endpointId, Action<DheeEndpointOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(endpointId);
        builder.Services.Configure<DheeOptions>(options =>
        {
            var endpoint = Endpoint(options, name);
            endpoint.BaseUrl = null;
            endpoint.RunPodEndpointId = endpointId;
            configure?.Invoke(endpoint);
        });
        return builder;
    }

    /// <summary>Registers the chat client <c>llm.generate</c> uses (any <see cref="IChatClient"/>, for example from Microsoft.Extensions.AI.OpenAI).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="factory">Creates the client from the container.</param>
    /// <returns>The builder.</returns>
    public static IDheeBuilder AddChatClient(this IDheeBuilder builder, Func<IServiceProvider, IChatClient> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.AddSingleton(factory);
        return builder;
    }

    /// <summary>Registers a chat client instance for <c>llm.generate</c>.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="client">The client.</param>
    /// <returns>The builder.</returns>
    public static IDheeBuilder AddChatClient(this IDheeBuilder builder, IChatClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return builder.AddChatClient(_ => client);
    }

    /// <summary>
    /// Registers Dhee's <see cref="OpenAICompatibleChatClient"/> (any server speaking OpenAI's chat completions API:
    /// OpenAI, OpenRouter, vLLM, Ollama, LM Studio) as the chat client of <c>llm.generate</c>, over the named HTTP
    /// client <see cref="LlmHttpClientName"/>.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Sets the endpoint, model and API key variable.</param>
    /// <returns>The builder of the HTTP client, to add handlers.</returns>
    public static IHttpClientBuilder AddOpenAICompatibleChatClient(this IDheeBuilder builder, Action<OpenAICompatibleChatClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.AddChatClient(services =>
        {
            var options = new OpenAICompatibleChatClientOptions();
            configure(options);
            var http = services.GetRequiredService<IHttpClientFactory>().CreateClient(LlmHttpClientName);
            http.Timeout = options.Timeout;
            return new OpenAICompatibleChatClient(options, http);
        });
        return builder.Services.AddHttpClient(LlmHttpClientName);
    }

    private static DheeEndpointOptions Endpoint(DheeOptions options, string name)
    {
        if (!options.Endpoints.TryGetValue(name, out var endpoint) || endpoint is null)
        {
            endpoint = new DheeEndpointOptions();
            options.Endpoints[name] = endpoint;
        }

        return endpoint;
    }

    private static RunnerManifest ManifestOf(IRunner runner)
    {
        var type = runner.GetType();
        if (type.GetProperty("Manifest", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) is RunnerManifest declared)
        {
            return declared;
        }

        var description = runner.Describe();
        return new RunnerManifest
        {
            Tool = description.Id,
            Version = type.Assembly.GetName().Version?.ToString(3) ?? "1.0.0",
            EngineCompat = ">=0.0.0-0", // compiled into the host against this very Dhee.Core
            DisplayName = description.DisplayName,
            Description = description.Description,
        };
    }
}
