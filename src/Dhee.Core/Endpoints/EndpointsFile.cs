using System.Text.Json;
using System.Text.Json.Nodes;
using Dhee.Errors;

namespace Dhee.Endpoints;

/// <summary>
/// Reads endpoint configuration from a JSON file:
/// <c>{"default": "gpu", "endpoints": {"gpu": {"kind": "local", "url": "http://127.0.0.1:8188"}, "cloud": {"kind": "runpod", "endpointId": "abc123", "credentialEnv": "RUNPOD_API_KEY"}, "farm": {"kind": "pool", "urls": ["http://a:8188", "http://b:8188"], "maxConcurrency": 2}}}</c>.
/// Every endpoint may also set <c>headers</c>, <c>bearerTokenEnv</c>, <c>modelAliases</c>, <c>timeoutSeconds</c> and <c>maxConcurrency</c>; RunPod ones and pools (whose <c>urls</c> may list <c>runpod://&lt;id&gt;</c> members) <c>credentialEnv</c>, <c>apiBase</c> and <c>runsync</c>.
/// </summary>
public static class EndpointsFile
{
    /// <summary>The environment variable naming an endpoints file read when no options are given.</summary>
    public const string Variable = "DHEE_ENDPOINTS_FILE";

    /// <summary>Loads a file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="environment">Reads the variables named by <c>bearerTokenEnv</c>; defaults to the process environment.</param>
    /// <returns>The options.</returns>
    /// <exception cref="DheeConfigurationException">The file is missing or invalid; the message names the file, the field and the fix.</exception>
    public static EndpointOptions Load(string path, Func<string, string?>? environment = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new DheeConfigurationException($"endpoints file '{path}' does not exist; fix the path (or {Variable})");
        }

        return Parse(File.ReadAllText(path), path, environment);
    }

    /// <summary>Parses endpoints JSON.</summary>
    /// <param name="json">The text.</param>
    /// <param name="source">The file name for messages.</param>
    /// <param name="environment">Reads the variables named by <c>bearerTokenEnv</c>.</param>
    /// <returns>The options.</returns>
    /// <exception cref="DheeConfigurationException">The JSON is invalid; the message names the field and the fix.</exception>
    public static EndpointOptions Parse(string json, string source = "endpoints.json", Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        environment ??= Environment.GetEnvironmentVariable;
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                ?? throw new JsonException("the top level must be an object");
        }
        catch (JsonException ex)
        {
            throw new DheeConfigurationException($"{source}: not valid JSON: {ex.Message}", ex);
        }

        var options = new EndpointOptions { DefaultEndpoint = Str(root, "default", source, "$") };
        if (root["endpoints"] is not JsonObject endpoints)
        {
            throw new DheeConfigurationException($"{source}: $.endpoints must be an object of named endpoints, for example {{\"endpoints\": {{\"gpu\": {{\"kind\": \"local\", \"url\": \"http://127.0.0.1:8188\"}}}}}}");
        }

        foreach (var (name, node) in endpoints)
        {
            var at = $"$.endpoints.{name}";
            if (node is not JsonObject e)
            {
                throw new DheeConfigurationException($"{source}: {at} must be an object with a \"kind\" (local, runpod or pool)");
            }

            var kind = Str(e, "kind", source, at) ?? (e["endpointId"] is not null ? "runpod" : e["urls"] is not null ? "pool" : "local");
            EndpointDefinition def;
            switch (kind)
            {
                case "local" or "comfyui":
                    def = new EndpointDefinition { Url = Str(e, "url", source, at) ?? throw Missing(source, at, "url", "the ComfyUI address, for example http://127.0.0.1:8188") };
                    break;
                case "runpod":
                    def = new EndpointDefinition { Url = "runpod://" + (Str(e, "endpointId", source, at) ?? throw Missing(source, at, "endpointId", "the RunPod serverless endpoint id")) };
                    ReadRunPodSettings(def, e, source, at);
                    break;
                case "pool":
                    var urls = e["urls"] is JsonArray list ? list.Select(u => u?.ToString()).Where(u => !string.IsNullOrWhiteSpace(u)).Select(u => u!).ToList() : [];
                    if (urls.Count == 0)
                    {
                        throw Missing(source, at, "urls", "a list of ComfyUI addresses");
                    }

                    def = new EndpointDefinition { Url = urls[0] };
                    foreach (var u in urls.Skip(1))
                    {
                        def.PoolUrls.Add(u);
                    }

                    ReadRunPodSettings(def, e, source, at); // for runpod:// members
                    break;
                default:
                    throw new DheeConfigurationException($"{source}: {at}.kind is '{kind}'; use local, runpod or pool");
            }

            if (Str(e, "bearerTokenEnv", source, at) is { } tokenVar)
            {
                def.BearerToken = environment(tokenVar);
            }

            if (e["maxConcurrency"] is JsonValue mc)
            {
                def.MaxConcurrency = mc.TryGetValue<int>(out var n) && n > 0 ? n : throw new DheeConfigurationException($"{source}: {at}.maxConcurrency must be a positive whole number");
            }

            if (e["timeoutSeconds"] is JsonValue ts)
            {
                def.Timeout = ts.TryGetValue<double>(out var secs) && secs > 0 ? TimeSpan.FromSeconds(secs) : throw new DheeConfigurationException($"{source}: {at}.timeoutSeconds must be a positive number");
            }

            foreach (var (key, value) in e["headers"] as JsonObject ?? [])
            {
                def.Headers[key] = value?.ToString() ?? string.Empty;
            }

            foreach (var (key, value) in e["modelAliases"] as JsonObject ?? [])
            {
                def.ModelAliases[key] = value?.ToString() ?? string.Empty;
            }

            options.Endpoints[name] = def;
        }

        return options;
    }

    private static void ReadRunPodSettings(EndpointDefinition def, JsonObject e, string source, string at)
    {
        def.CredentialEnv = Str(e, "credentialEnv", source, at);
        def.UseRunSync = e["runsync"] is JsonValue rs && rs.GetValueKind() == JsonValueKind.True;
        if (Str(e, "apiBase", source, at) is { } apiBase)
        {
            def.ApiBase = Uri.TryCreate(apiBase, UriKind.Absolute, out var uri) ? uri : throw new DheeConfigurationException($"{source}: {at}.apiBase '{apiBase}' is not an absolute URL; use for example https://api.runpod.ai/v2");
        }
    }

    private static DheeConfigurationException Missing(string source, string at, string field, string what)
        => new($"{source}: {at}.{field} is missing; set it to {what}");

    private static string? Str(JsonObject obj, string field, string source, string at)
        => obj[field] switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim(),
            _ => throw new DheeConfigurationException($"{source}: {at}.{field} must be a string"),
        };
}
