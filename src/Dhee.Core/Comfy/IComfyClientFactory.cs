using Dhee.Endpoints;

namespace Dhee.Comfy;

/// <summary>Creates a client for an endpoint; the seam through which tests inject a stub client.</summary>
public interface IComfyClientFactory
{
    /// <summary>Creates a client for one resolved ComfyUI endpoint. The caller disposes it.</summary>
    /// <param name="endpoint">The endpoint.</param>
    /// <returns>The client.</returns>
    IComfyClient Create(ResolvedEndpoint endpoint);

    /// <summary>Tells whether this factory can create clients for an endpoint kind; the executor fails a node early (naming the endpoint) when it cannot. A RunPod-capable factory returns true for <see cref="EndpointKind.RunPod"/>.</summary>
    /// <param name="kind">The endpoint kind.</param>
    /// <returns>True when <see cref="Create"/> accepts endpoints of this kind.</returns>
    bool Supports(EndpointKind kind) => kind == EndpointKind.ComfyUI;
}
