namespace Dhee.Endpoints;

/// <summary>One named endpoint: where it is, how to authenticate, and its per-endpoint model aliases and class swaps.</summary>
public sealed class EndpointDefinition
{
    private const string RunPodScheme = "runpod://";

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

    /// <summary>Gets further addresses serving the same name (ComfyUI servers or <c>runpod://&lt;endpoint id&gt;</c> endpoints): with any, the endpoint is a pool (<see cref="Url"/> is its first member) and each workflow goes to the healthy, capable instance with the shortest queue. RunPod members share <see cref="CredentialEnv"/>, <see cref="ApiBase"/> and <see cref="UseRunSync"/>.</summary>
    public IList<string> PoolUrls { get; } = [];

    /// <summary>Gets or sets, for RunPod endpoints, the environment variable holding the API key. Default <c>RUNPOD_API_KEY</c>. The key itself is never logged.</summary>
    public string? CredentialEnv { get; set; }

    /// <summary>Gets or sets, for RunPod endpoints, the API base replacing <c>https://api.runpod.ai/v2</c> (tests, proxies); the <c>RUNPOD_API_BASE</c> environment variable sets it too.</summary>
    public Uri? ApiBase { get; set; }

    /// <summary>Gets or sets a value indicating whether RunPod jobs use <c>/runsync</c> (20 MB body limit) instead of <c>/run</c> (10 MB).</summary>
    public bool UseRunSync { get; set; }

    /// <summary>Gets or sets how many workflows may run on this endpoint at once; fed to the walker as the limit of resource key <c>endpoint:&lt;name&gt;</c>. Null: no limit.</summary>
    public int? MaxConcurrency { get; set; }

    /// <summary>Gets a value indicating whether this endpoint is a pool of several instances.</summary>
    public bool IsPool => PoolUrls.Count > 0;

    /// <summary>Gets a value indicating whether this endpoint, or any member of its pool, is a RunPod endpoint.</summary>
    internal bool UsesRunPod => PoolUrls.Prepend(Url).Any(IsRunPodUrl);

    /// <summary>Gets the kind, from the address scheme.</summary>
    public EndpointKind Kind => IsRunPodUrl(Url) ? EndpointKind.RunPod : EndpointKind.ComfyUI;

    internal static bool IsRunPodUrl(string url) => url.StartsWith(RunPodScheme, StringComparison.OrdinalIgnoreCase);

    /// <summary>Gets the endpoint id of a <c>runpod://&lt;endpoint id&gt;</c> address (empty when it names none).</summary>
    internal static string RunPodIdOf(string url) => url[RunPodScheme.Length..].Trim('/');
}
