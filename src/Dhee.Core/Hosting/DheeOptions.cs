using Dhee.Endpoints;

namespace Dhee.Hosting;

/// <summary>
/// Settings of the Dhee services that <c>AddDhee</c> registers, bound from the configuration section
/// <see cref="SectionName"/> (for example <c>appsettings.json</c> or <c>Dhee__Endpoints__local__BaseUrl</c>) and
/// validated when the host starts.
/// </summary>
public sealed class DheeOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "Dhee";

    /// <summary>Gets the named ComfyUI and RunPod endpoints that Comfy runners may use (names compare case-insensitively).</summary>
    public IDictionary<string, DheeEndpointOptions> Endpoints { get; } = new Dictionary<string, DheeEndpointOptions>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets the endpoint (a name or an address) used by Comfy nodes that name none.</summary>
    /// <value>The default value is null: <c>COMFYUI_BASE_URL</c> from the environment.</value>
    public string? DefaultEndpoint { get; set; }

    /// <summary>Gets or sets a folder of installed runner plugins searched before <c>DHEE_RUNNERS_DIR</c> and <c>~/.kshana/runners</c> (used with <c>AddRunnersFromPlugins</c>).</summary>
    public string? RunnersDirectory { get; set; }

    /// <summary>Gets or sets a value indicating whether <c>DHEE_RUNNERS_DIR</c> and <c>~/.kshana/runners</c> are searched for plugins after <see cref="RunnersDirectory"/>.</summary>
    /// <value>The default value is true.</value>
    public bool IncludeDefaultRunnerRoots { get; set; } = true;

    /// <summary>Gets or sets the folder of the content-addressed generation cache.</summary>
    /// <value>The default value is null: <c>DHEE_CACHE_ROOT</c>, else <c>~/.dhee/cache</c>.</value>
    public string? CacheRoot { get; set; }

    /// <summary>Gets or sets a value indicating whether walks run without the generation cache (every output is generated).</summary>
    /// <value>The default value is false.</value>
    public bool DisableCache { get; set; }

    /// <summary>Gets or sets a value indicating whether the built-in runners (<c>llm.generate</c>, <c>text.template</c>, <c>ffmpeg.*</c>, <c>comfy.*</c>) are registered.</summary>
    /// <value>The default value is true.</value>
    public bool RegisterBuiltInRunners { get; set; } = true;

    /// <summary>Converts the validated endpoints to the resolver's options, or null when none are configured (the resolver then reads the environment, including <c>DHEE_ENDPOINTS_FILE</c>).</summary>
    internal EndpointOptions? ToEndpointOptions()
    {
        if (Endpoints.Count == 0 && string.IsNullOrWhiteSpace(DefaultEndpoint))
        {
            return null;
        }

        var options = new EndpointOptions { DefaultEndpoint = DefaultEndpoint };
        foreach (var (name, endpoint) in Endpoints)
        {
            var definition = new EndpointDefinition
            {
                Url = endpoint.BaseUrl ?? "runpod://" + endpoint.RunPodEndpointId,
                BearerToken = endpoint.BearerToken,
                ApiKey = endpoint.ApiKey,
                CredentialEnv = endpoint.CredentialEnv,
                ApiBase = endpoint.ApiBase,
                UseRunSync = endpoint.UseRunSync,
                MaxConcurrency = endpoint.MaxConcurrency,
                Timeout = endpoint.Timeout,
            };
            foreach (var url in endpoint.PoolUrls)
            {
                definition.PoolUrls.Add(url);
            }

            foreach (var (header, value) in endpoint.Headers)
            {
                definition.Headers[header] = value;
            }

            foreach (var (model, alias) in endpoint.ModelAliases)
            {
                definition.ModelAliases[model] = alias;
            }

            options.Endpoints[name] = definition;
        }

        return options;
    }
}
