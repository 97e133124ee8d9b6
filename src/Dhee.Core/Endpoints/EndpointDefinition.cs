namespace Dhee.Endpoints;

/// <summary>One named endpoint: where it is, how to authenticate, and its per-endpoint model aliases and class swaps.</summary>
public sealed class EndpointDefinition
{
    /// <summary>Gets or sets the address: <c>http(s)://host[:port][/sub/path][/api]</c>, <c>ws(s)://…</c>, or <c>runpod://&lt;endpoint id&gt;</c>.</summary>
    public required string Url { get; set; }

    /// <summary>Gets or sets a bearer token (<c>Authorization: Bearer</c>); for RunPod, the API key.</summary>
    public string? BearerToken { get; set; }

    /// <summary>Gets or sets an API key sent as <c>X-API-Key</c>.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Gets extra headers for every request to this endpoint.</summary>
    public IDictionary<string, string> Headers { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets model-file aliases: a model file name used in workflows → the file name installed on this endpoint.</summary>
    public IDictionary<string, string> ModelAliases { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets node-class swaps applied to workflows sent to this endpoint.</summary>
    public IList<ComfyClassSwap> ClassSwaps { get; } = [];

    /// <summary>Gets or sets the overall limit on one workflow run on this endpoint; null keeps the client default.</summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>Gets the kind, from the address scheme.</summary>
    public EndpointKind Kind => Url.StartsWith("runpod://", StringComparison.OrdinalIgnoreCase) ? EndpointKind.RunPod : EndpointKind.ComfyUI;
}
