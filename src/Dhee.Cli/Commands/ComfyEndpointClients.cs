using Dhee.Comfy;
using Dhee.Endpoints;

namespace Dhee.Cli.Commands;

/// <summary>Clients for <c>dhee comfy run --endpoint</c> values that are not plain ComfyUI addresses: <c>runpod://&lt;id&gt;</c>, pools (comma-separated addresses) and endpoint names.</summary>
internal static class ComfyEndpointClients
{
    public static bool IsEndpointReference(string value)
        => value.StartsWith("runpod://", StringComparison.OrdinalIgnoreCase) || value.Contains(',', StringComparison.Ordinal) || !value.Contains("://", StringComparison.Ordinal);

    public static IComfyClient Create(string value, TimeSpan? timeout)
    {
        var endpoint = new EndpointResolver().Resolve(value);
        if (timeout is TimeSpan t)
        {
            endpoint.Definition.Timeout = t;
        }

        return new ComfyClientFactory().Create(endpoint);
    }
}
