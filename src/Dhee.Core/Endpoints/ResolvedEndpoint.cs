namespace Dhee.Endpoints;

/// <summary>An endpoint name resolved to its definition.</summary>
/// <param name="Name">The name the node used (or the address itself when it named an address).</param>
/// <param name="Definition">The definition: address, credentials, aliases, swaps.</param>
/// <param name="Source">Where it came from (<c>options</c>, <c>env:ENDPOINT_X</c>, <c>address</c>, <c>default</c>), for messages.</param>
public sealed record ResolvedEndpoint(string Name, EndpointDefinition Definition, string Source)
{
    /// <summary>Gets the kind.</summary>
    public EndpointKind Kind => Definition.Kind;

    /// <summary>Gets the address without credentials (safe to log).</summary>
    public string DisplayUrl => Utils.UrlRedaction.ForDisplay(Definition.Url);

    /// <summary>Gets the RunPod endpoint id for <c>runpod://</c> endpoints, else null.</summary>
    public string? RunPodEndpointId => Kind == EndpointKind.RunPod ? EndpointDefinition.RunPodIdOf(Definition.Url) : null;
}
