namespace Dhee.Hosting;

/// <summary>One named endpoint in <see cref="DheeOptions.Endpoints"/>: a ComfyUI server (<see cref="BaseUrl"/>), a pool of them, or a RunPod serverless endpoint (<see cref="RunPodEndpointId"/>).</summary>
/// <remarks>Credentials set here are sent to the endpoint and never logged; prefer <see cref="CredentialEnv"/> or user secrets over plain configuration files.</remarks>
public sealed class DheeEndpointOptions
{
    /// <summary>Gets or sets the ComfyUI server's address, such as <c>http://127.0.0.1:8188</c> (also <c>https</c>, <c>ws</c>, <c>wss</c>, or <c>runpod://&lt;id&gt;</c>).</summary>
    public string? BaseUrl { get; set; }

    /// <summary>Gets or sets the RunPod serverless endpoint id (worker-comfyui); use it instead of <see cref="BaseUrl"/>.</summary>
    public string? RunPodEndpointId { get; set; }

    /// <summary>Gets further ComfyUI addresses serving the same name; with any, the endpoint is a pool whose first member is <see cref="BaseUrl"/>.</summary>
    public IList<string> PoolUrls { get; } = [];

    /// <summary>Gets or sets a bearer token sent as <c>Authorization: Bearer</c>; for RunPod, the API key.</summary>
    public string? BearerToken { get; set; }

    /// <summary>Gets or sets an API key sent as <c>X-API-Key</c>.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Gets or sets, for RunPod, the environment variable holding the API key.</summary>
    /// <value>The default value is null: <c>RUNPOD_API_KEY</c>.</value>
    public string? CredentialEnv { get; set; }

    /// <summary>Gets or sets, for RunPod, the API base replacing <c>https://api.runpod.ai/v2</c> (proxies, tests).</summary>
    public Uri? ApiBase { get; set; }

    /// <summary>Gets or sets a value indicating whether RunPod jobs use <c>/runsync</c> instead of <c>/run</c>.</summary>
    public bool UseRunSync { get; set; }

    /// <summary>Gets or sets how many workflows may run on this endpoint at once; null for no limit.</summary>
    public int? MaxConcurrency { get; set; }

    /// <summary>Gets or sets the overall limit on one workflow run; null keeps the client default.</summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>Gets extra headers for every request to this endpoint.</summary>
    public IDictionary<string, string> Headers { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets model-file aliases: a model file name used in workflows → the file installed on this endpoint.</summary>
    public IDictionary<string, string> ModelAliases { get; } = new Dictionary<string, string>(StringComparer.Ordinal);
}
