using Dhee.Endpoints;

namespace Dhee.Comfy;

/// <summary>Creates a client for an endpoint; the seam through which tests inject a stub client.</summary>
public interface IComfyClientFactory
{
    /// <summary>Creates a client for one resolved ComfyUI endpoint. The caller disposes it.</summary>
    /// <param name="endpoint">The endpoint.</param>
    /// <returns>The client.</returns>
    IComfyClient Create(ResolvedEndpoint endpoint);
}
