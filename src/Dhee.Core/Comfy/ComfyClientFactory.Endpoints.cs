using System.Collections.Concurrent;
using Dhee.Endpoints;
using Dhee.RunPod;
using Microsoft.Extensions.Logging;

namespace Dhee.Comfy;

/// <content>RunPod endpoints and pools of ComfyUI servers.</content>
public sealed partial class ComfyClientFactory : IAsyncDisposable, IDisposable
{
    /// <summary>The name of the HTTP client requested from <c>IHttpClientFactory</c> for RunPod endpoints.</summary>
    public const string RunPodHttpClientName = "Dhee.RunPod";

    private readonly ConcurrentDictionary<string, ComfyPool> _pools = new(StringComparer.Ordinal);

    /// <summary>Gets or sets the circuit-breaker settings of pools this factory creates.</summary>
    public ComfyPoolOptions PoolOptions { get; set; } = new();

    /// <summary>Gets or sets a hook adjusting each RunPod client's options (polling, timeouts) after the endpoint's settings are applied.</summary>
    public Action<RunPodClientOptions>? ConfigureRunPod { get; set; }

    /// <summary>Tells whether this factory can create clients for an endpoint kind: ComfyUI servers (single or pooled) and RunPod endpoints.</summary>
    /// <param name="kind">The endpoint kind.</param>
    /// <returns>Always true.</returns>
    public bool Supports(EndpointKind kind) => kind is EndpointKind.ComfyUI or EndpointKind.RunPod;

    /// <summary>Gets the pool serving an endpoint name, created on first use and kept (with its circuit state) for the factory's lifetime.</summary>
    /// <param name="endpoint">A pool endpoint (<see cref="EndpointDefinition.IsPool"/>).</param>
    /// <returns>The pool.</returns>
    public ComfyPool GetPool(ResolvedEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var def = endpoint.Definition;
        var key = endpoint.Name + "|" + string.Join(",", def.PoolUrls.Prepend(def.Url));
        return _pools.GetOrAdd(key, _ =>
        {
            var members = def.PoolUrls.Prepend(def.Url).Select(url =>
            {
                var single = new EndpointDefinition
                {
                    Url = url,
                    BearerToken = def.BearerToken,
                    ApiKey = def.ApiKey,
                    Timeout = def.Timeout,
                    CredentialEnv = def.CredentialEnv,
                    ApiBase = def.ApiBase,
                    UseRunSync = def.UseRunSync,
                };
                foreach (var (name, value) in def.Headers)
                {
                    single.Headers[name] = value;
                }

                return Create(new ResolvedEndpoint(endpoint.Name, single, endpoint.Source));
            });
            return new ComfyPool(endpoint.Name, members, PoolOptions, _time, _loggers?.CreateLogger<ComfyPool>());
        });
    }

    /// <summary>Disposes the pools this factory created; for containers disposed synchronously (they refuse services that only dispose asynchronously).</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Disposes the pools this factory created (their instance clients).</summary>
    /// <returns>A task.</returns>
    public async ValueTask DisposeAsync()
    {
        foreach (var pool in _pools.Values)
        {
            await pool.DisposeAsync().ConfigureAwait(false);
        }

        _pools.Clear();
    }

    private IComfyClient? TryCreateSpecial(ResolvedEndpoint endpoint)
    {
        var def = endpoint.Definition;
        if (def.IsPool)
        {
            return GetPool(endpoint).Lease();
        }

        if (endpoint.Kind != EndpointKind.RunPod)
        {
            return null;
        }

        var options = new RunPodClientOptions
        {
            EndpointId = endpoint.RunPodEndpointId!,
            ApiKey = def.BearerToken,
            CredentialVariable = def.CredentialEnv ?? EndpointResolver.RunPodKeyVariable,
            UseRunSync = def.UseRunSync,
        };
        if (def.ApiBase is not null)
        {
            options.ApiBase = def.ApiBase;
        }

        if (def.Timeout is TimeSpan timeout)
        {
            options.Timeout = timeout;
        }

        foreach (var (name, value) in def.Headers)
        {
            options.Headers[name] = value;
        }

        ConfigureRunPod?.Invoke(options);
        var http = _httpFactory?.CreateClient(RunPodHttpClientName) ?? SharedHttp.Value;
        return new RunPodComfyClient(new RunPodClient(http, options, _loggers?.CreateLogger<RunPodClient>(), _time), _loggers?.CreateLogger<RunPodComfyClient>());
    }
}
