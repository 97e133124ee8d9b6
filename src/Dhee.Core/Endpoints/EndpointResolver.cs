using System.Diagnostics.CodeAnalysis;

namespace Dhee.Endpoints;

/// <summary>Resolves endpoint names used by nodes: configured endpoints first, then <c>ENDPOINT_&lt;NAME&gt;</c> environment variables (upper case, else the name as written, as in <c>ENDPOINT_self_local</c>), then plain addresses. Every name is honoured separately.</summary>
public sealed class EndpointResolver
{
    /// <summary>The environment variable holding the RunPod API key when an endpoint names no other (<see cref="EndpointDefinition.CredentialEnv"/>).</summary>
    public const string RunPodKeyVariable = "RUNPOD_API_KEY";

    /// <summary>The environment variable that replaces the RunPod API base (<c>https://api.runpod.ai/v2</c>) for tests and proxies.</summary>
    public const string RunPodApiBaseVariable = "RUNPOD_API_BASE";

    private readonly EndpointOptions _options;
    private readonly Func<string, string?> _environment;

    /// <summary>Initializes a new instance of the <see cref="EndpointResolver"/> class.</summary>
    /// <param name="options">The configured endpoints.</param>
    /// <param name="environment">Reads environment variables; defaults to the process environment.</param>
    public EndpointResolver(EndpointOptions? options = null, Func<string, string?>? environment = null)
    {
        _environment = environment ?? Environment.GetEnvironmentVariable;
        _options = options ?? (_environment(EndpointsFile.Variable) is { Length: > 0 } file ? EndpointsFile.Load(file, _environment) : new EndpointOptions());
    }

    /// <summary>Gets the endpoint options in use (from the constructor, or the file named by <c>DHEE_ENDPOINTS_FILE</c>).</summary>
    public EndpointOptions Options => _options;

    /// <summary>Gets the environment variable that holds the address of a named endpoint: <c>ENDPOINT_</c> + the name upper-cased with dots and dashes as underscores.</summary>
    /// <param name="name">The endpoint name, for example <c>gpu.a100</c>.</param>
    /// <returns>For example <c>ENDPOINT_GPU_A100</c>.</returns>
    public static string VariableFor(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return Variable(name, upperCase: true);
    }

    /// <summary>Resolves a name or address.</summary>
    /// <param name="nameOrUrl">An endpoint name, an address, or null for the default.</param>
    /// <param name="endpoint">The endpoint when found.</param>
    /// <param name="error">Why not, naming the variable or setting to fix.</param>
    /// <returns>True when resolved.</returns>
    public bool TryResolve(string? nameOrUrl, [NotNullWhen(true)] out ResolvedEndpoint? endpoint, [NotNullWhen(false)] out string? error)
    {
        endpoint = null;
        error = null;
        if (string.IsNullOrWhiteSpace(nameOrUrl))
        {
            if (!string.IsNullOrWhiteSpace(_options.DefaultEndpoint))
            {
                return TryResolve(_options.DefaultEndpoint, out endpoint, out error);
            }

            var fallback = _environment(EndpointOptions.DefaultUrlVariable);
            if (!string.IsNullOrWhiteSpace(fallback))
            {
                return TryAddress(fallback.Trim(), "default", $"env:{EndpointOptions.DefaultUrlVariable}", out endpoint, out error) && Complete(endpoint, out error);
            }

            error = $"no endpoint given: set the node's config \"endpoint\" (a name or an address), a default endpoint in the options, or the {EndpointOptions.DefaultUrlVariable} environment variable";
            return false;
        }

        var key = nameOrUrl.Trim();
        if (key.Contains("://", StringComparison.Ordinal))
        {
            return TryAddress(key, key, "address", out endpoint, out error) && Complete(endpoint, out error);
        }

        if (_options.Endpoints.TryGetValue(key, out var configured))
        {
            if (string.IsNullOrWhiteSpace(configured.Url))
            {
                error = $"endpoint '{key}' is configured without a Url";
                return false;
            }

            endpoint = new ResolvedEndpoint(key, configured, "options");
            return TryCheck(endpoint, out error) && Complete(endpoint, out error);
        }

        var (variable, value) = Lookup(key, string.Empty);
        if (string.IsNullOrWhiteSpace(value))
        {
            error = $"endpoint '{key}' is not configured: set the environment variable {variable} to its address (http://host:8188 or runpod://<endpoint id>) or add it to the endpoint options";
            return false;
        }

        if (!TryAddress(value.Trim(), key, $"env:{variable}", out endpoint, out error))
        {
            error = $"{variable}: {error}";
            return false;
        }

        var token = _environment(variable + "_TOKEN");
        var apiKey = _environment(variable + "_API_KEY");
        if (!string.IsNullOrEmpty(token))
        {
            endpoint.Definition.BearerToken = token;
        }

        if (!string.IsNullOrEmpty(apiKey))
        {
            endpoint.Definition.ApiKey = apiKey;
        }

        return Complete(endpoint, out error);
    }

    /// <summary>
    /// Gets how many workflows may run on a named endpoint at once: its <see cref="EndpointDefinition.MaxConcurrency"/> when
    /// configured, else the environment variable <c>ENDPOINT_&lt;NAME&gt;_MAX_CONCURRENCY</c>. The walker applies it to the
    /// resource key <c>endpoint:&lt;name&gt;</c>.
    /// </summary>
    /// <param name="name">The endpoint name a node's config uses.</param>
    /// <returns>The limit, or null for none (also for addresses and unknown names).</returns>
    /// <exception cref="Errors.DheeConfigurationException">The variable is set but is not a positive whole number.</exception>
    public int? GetMaxConcurrency(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var key = name.Trim();
        if (key.Contains("://", StringComparison.Ordinal))
        {
            return null;
        }

        if (_options.Endpoints.TryGetValue(key, out var configured))
        {
            return configured.MaxConcurrency is > 0 ? configured.MaxConcurrency : null;
        }

        var (variable, value) = Lookup(key, "_MAX_CONCURRENCY");
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return int.TryParse(value.Trim(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var limit) && limit > 0
            ? limit
            : throw new Errors.DheeConfigurationException($"{variable} is '{value}'; set it to a positive whole number (how many workflows may run on endpoint '{key}' at once) or unset it");
    }

    /// <summary>Resolves a name or address, throwing when it cannot.</summary>
    /// <param name="nameOrUrl">An endpoint name, an address, or null for the default.</param>
    /// <returns>The endpoint.</returns>
    /// <exception cref="Errors.DheeConfigurationException">The endpoint is not configured.</exception>
    public ResolvedEndpoint Resolve(string? nameOrUrl)
        => TryResolve(nameOrUrl, out var endpoint, out var error) ? endpoint : throw new Errors.DheeConfigurationException(error);

    // ENDPOINT_<NAME> upper-cased; failing that, the name as written (ENDPOINT_self_local, the original Dhee's spelling).
    private (string Variable, string? Value) Lookup(string name, string suffix)
    {
        var upper = VariableFor(name) + suffix;
        if (_environment(upper) is { } value && !string.IsNullOrWhiteSpace(value))
        {
            return (upper, value);
        }

        var written = Variable(name, upperCase: false) + suffix;
        return written != upper && _environment(written) is { } original && !string.IsNullOrWhiteSpace(original) ? (written, original) : (upper, null);
    }

    private static string Variable(string name, bool upperCase)
        => "ENDPOINT_" + new string([.. name.Trim().Select(c => !char.IsAsciiLetterOrDigit(c) ? '_' : upperCase ? char.ToUpperInvariant(c) : c)]);

    private static bool TryAddress(string url, string name, string source, [NotNullWhen(true)] out ResolvedEndpoint? endpoint, [NotNullWhen(false)] out string? error)
    {
        // "http://a:8188,http://b:8188" names a pool.
        var parts = url.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var definition = new EndpointDefinition { Url = parts.Length > 0 ? parts[0] : url };
        foreach (var more in parts.Skip(1))
        {
            definition.PoolUrls.Add(more);
        }

        endpoint = new ResolvedEndpoint(name, definition, source);
        return TryCheck(endpoint, out error);
    }

    // Fills RunPod settings that come from the environment: the API key (from the variable the endpoint names) and the API base.
    private bool Complete(ResolvedEndpoint endpoint, [NotNullWhen(false)] out string? error)
    {
        error = null;
        var def = endpoint.Definition;
        if (!def.UsesRunPod)
        {
            return true;
        }

        if (string.IsNullOrEmpty(def.BearerToken) && _environment(def.CredentialEnv ?? RunPodKeyVariable) is { Length: > 0 } key)
        {
            def.BearerToken = key;
        }

        if (def.ApiBase is null && _environment(RunPodApiBaseVariable) is { Length: > 0 } apiBase)
        {
            if (!Uri.TryCreate(apiBase.Trim(), UriKind.Absolute, out var uri))
            {
                error = $"{RunPodApiBaseVariable} is '{apiBase}', which is not an absolute URL; use for example https://api.runpod.ai/v2";
                return false;
            }

            def.ApiBase = uri;
        }

        return true;
    }

    private static bool TryCheck(ResolvedEndpoint endpoint, [NotNullWhen(false)] out string? error)
    {
        error = null;
        foreach (var member in endpoint.Definition.PoolUrls.Prepend(endpoint.Definition.Url))
        {
            if (EndpointDefinition.IsRunPodUrl(member))
            {
                if (string.IsNullOrWhiteSpace(EndpointDefinition.RunPodIdOf(member)))
                {
                    error = $"'{Utils.UrlRedaction.ForDisplay(member)}' names no RunPod endpoint id: use runpod://<endpoint id>";
                    return false;
                }

                continue;
            }

            if (!Uri.TryCreate(member, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https" or "ws" or "wss"))
            {
                error = $"'{Utils.UrlRedaction.ForDisplay(member)}' is not a valid endpoint address: use http(s)://host:port, ws(s)://host:port or runpod://<endpoint id> (a pool lists addresses separated by commas)";
                return false;
            }
        }

        return true;
    }
}
