using System.Collections.Concurrent;
using Dhee.Comfy;
using Dhee.Endpoints;

namespace Dhee.Testing.Comfy;

/// <summary>An <see cref="IComfyClientFactory"/> that hands out one <see cref="StubComfyClient"/> and records which endpoints were asked for.</summary>
/// <param name="client">The stub to hand out.</param>
public sealed class StubComfyClientFactory(StubComfyClient client) : IComfyClientFactory
{
    private readonly ConcurrentQueue<ResolvedEndpoint> _requested = new();

    /// <summary>Gets the stub.</summary>
    public StubComfyClient Client { get; } = client;

    /// <summary>Gets the endpoints clients were created for, oldest first.</summary>
    public IReadOnlyList<ResolvedEndpoint> RequestedEndpoints => [.. _requested];

    /// <inheritdoc/>
    public IComfyClient Create(ResolvedEndpoint endpoint)
    {
        _requested.Enqueue(endpoint);
        return Client;
    }
}
