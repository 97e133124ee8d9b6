using Dhee.Endpoints;
using Microsoft.Extensions.Logging;

namespace Dhee.Comfy;

/// <summary>The default <see cref="IComfyClientFactory"/>: real <see cref="ComfyClient"/>s over HTTP clients from <c>IHttpClientFactory</c> (named <see cref="HttpClientName"/>) or a shared client.</summary>
public sealed partial class ComfyClientFactory : IComfyClientFactory
{
    /// <summary>The name of the HTTP client requested from <c>IHttpClientFactory</c>.</summary>
    public const string HttpClientName = "Dhee.Comfy";

    private static readonly Lazy<HttpClient> SharedHttp = new(() => new HttpClient { Timeout = Timeout.InfiniteTimeSpan });
    private readonly IHttpClientFactory? _httpFactory;
    private readonly Action<ComfyClientOptions>? _configure;
    private readonly ILoggerFactory? _loggers;
    private readonly TimeProvider? _time;

    /// <summary>Initializes a new instance of the <see cref="ComfyClientFactory"/> class.</summary>
    /// <param name="httpFactory">Creates HTTP clients; null uses one shared client.</param>
    /// <param name="configure">Adjusts each client's options (timeouts, retries) after the endpoint's settings are applied.</param>
    /// <param name="loggers">Loggers for the clients.</param>
    /// <param name="timeProvider">The clock.</param>
    public ComfyClientFactory(IHttpClientFactory? httpFactory = null, Action<ComfyClientOptions>? configure = null, ILoggerFactory? loggers = null, TimeProvider? timeProvider = null)
    {
        _httpFactory = httpFactory;
        _configure = configure;
        _loggers = loggers;
        _time = timeProvider;
    }

    /// <inheritdoc/>
    public IComfyClient Create(ResolvedEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (TryCreateSpecial(endpoint) is { } special)
        {
            return special;
        }

        if (endpoint.Kind != EndpointKind.ComfyUI)
        {
            throw new NotSupportedException($"endpoint '{endpoint.Name}' ({endpoint.DisplayUrl}) is a {endpoint.Kind} endpoint; ComfyClientFactory creates clients for ComfyUI servers only");
        }

        var def = endpoint.Definition;
        var options = new ComfyClientOptions { BaseUrl = new Uri(def.Url), BearerToken = def.BearerToken, ApiKey = def.ApiKey };
        foreach (var (name, value) in def.Headers)
        {
            options.Headers[name] = value;
        }

        if (def.Timeout is TimeSpan timeout)
        {
            options.OverallTimeout = timeout;
        }

        _configure?.Invoke(options);
        var http = _httpFactory?.CreateClient(HttpClientName) ?? SharedHttp.Value;
        return new ComfyClient(http, options, _loggers?.CreateLogger<ComfyClient>(), _time);
    }
}
