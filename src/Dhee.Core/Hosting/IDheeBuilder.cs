using Microsoft.Extensions.DependencyInjection;

namespace Dhee.Hosting;

/// <summary>
/// Configures the Dhee services registered by <c>services.AddDhee()</c> (or a <see cref="DheeHostBuilder"/>): chain
/// <c>AddRunner&lt;T&gt;()</c>, <c>AddRunnersFromPlugins()</c>, <c>AddComfyEndpoint(…)</c>, <c>AddRunPodEndpoint(…)</c> and
/// <c>AddChatClient(…)</c> from <see cref="DheeBuilderExtensions"/>.
/// </summary>
public interface IDheeBuilder
{
    /// <summary>Gets the service collection the Dhee services are registered in.</summary>
    IServiceCollection Services { get; }

    /// <summary>
    /// Gets the builder of the named HTTP client (<see cref="Comfy.ComfyClientFactory.HttpClientName"/>) every ComfyUI
    /// client uses; add handlers or resilience pipelines to it. Its timeout is infinite: the Comfy client enforces its own per request.
    /// </summary>
    IHttpClientBuilder ComfyHttpClient { get; }

    /// <summary>Gets the builder of the named HTTP client (<see cref="Comfy.ComfyClientFactory.RunPodHttpClientName"/>) every RunPod client uses.</summary>
    IHttpClientBuilder RunPodHttpClient { get; }
}
