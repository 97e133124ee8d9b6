namespace Dhee.Endpoints;

/// <summary>Named endpoints for Comfy runners. Names not listed here are looked up in the environment as <c>ENDPOINT_&lt;NAME&gt;</c> (dots and dashes become underscores).</summary>
public sealed class EndpointOptions
{
    /// <summary>The environment variable read when a node names no endpoint and <see cref="DefaultEndpoint"/> is unset.</summary>
    public const string DefaultUrlVariable = "COMFYUI_BASE_URL";

    /// <summary>Gets the named endpoints (names compare case-insensitively).</summary>
    public IDictionary<string, EndpointDefinition> Endpoints { get; } = new Dictionary<string, EndpointDefinition>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets the endpoint (a name or an address) used when a node names none.</summary>
    public string? DefaultEndpoint { get; set; }

    /// <summary>Gets the per-endpoint concurrency limits as walker resource limits (<c>endpoint:&lt;name&gt;</c> → limit), for <c>WalkOptions.ResourceConcurrency</c>.</summary>
    /// <returns>The limits of endpoints that set <see cref="EndpointDefinition.MaxConcurrency"/>.</returns>
    public IReadOnlyDictionary<string, int> GetResourceConcurrency()
        => Endpoints.Where(p => p.Value.MaxConcurrency is > 0).ToDictionary(p => "endpoint:" + p.Key, p => p.Value.MaxConcurrency!.Value, StringComparer.Ordinal);
}
