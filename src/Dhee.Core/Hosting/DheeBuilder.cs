using Dhee.Comfy;
using Microsoft.Extensions.DependencyInjection;

namespace Dhee.Hosting;

/// <summary>The <see cref="IDheeBuilder"/> over a host's service collection.</summary>
internal sealed class DheeBuilder(IServiceCollection services) : IDheeBuilder
{
    public IServiceCollection Services { get; } = services;

    // AddHttpClient(name) only returns a builder for an existing name; it never registers the client twice.
    public IHttpClientBuilder ComfyHttpClient => Services.AddHttpClient(ComfyClientFactory.HttpClientName);

    public IHttpClientBuilder RunPodHttpClient => Services.AddHttpClient(ComfyClientFactory.RunPodHttpClientName);
}
