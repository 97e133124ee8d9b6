namespace Dhee.Comfy;

/// <summary>Normalizes a ComfyUI base address into HTTP route and WebSocket URLs (http/https/ws/wss, sub-paths, optional <c>/api</c>, never <c>/api/api</c>).</summary>
internal sealed class ComfyEndpointAddress
{
    public ComfyEndpointAddress(Uri baseUrl, bool useApiPrefix)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        if (!baseUrl.IsAbsoluteUri)
        {
            throw new ArgumentException($"The ComfyUI address '{baseUrl}' must be absolute, like http://127.0.0.1:8188.", nameof(baseUrl));
        }

        var httpScheme = baseUrl.Scheme.ToLowerInvariant() switch
        {
            "http" or "ws" => "http",
            "https" or "wss" => "https",
            _ => throw new ArgumentException($"The ComfyUI address '{baseUrl}' uses scheme '{baseUrl.Scheme}'; use http, https, ws or wss.", nameof(baseUrl)),
        };
        var path = baseUrl.AbsolutePath.TrimEnd('/');
        if (path.EndsWith("/ws", StringComparison.Ordinal))
        {
            path = path[..^3];
        }

        var hasApi = path.EndsWith("/api", StringComparison.Ordinal);
        while (path.EndsWith("/api/api", StringComparison.Ordinal))
        {
            path = path[..^4];
        }

        if (useApiPrefix && !hasApi)
        {
            path += "/api";
        }

        var builder = new UriBuilder(baseUrl) { Scheme = httpScheme, Path = path + "/", Query = string.Empty, Fragment = string.Empty };
        if (baseUrl.IsDefaultPort)
        {
            builder.Port = -1;
        }

        HttpBase = builder.Uri;
        var ws = new UriBuilder(HttpBase) { Scheme = httpScheme == "https" ? "wss" : "ws" };
        if (baseUrl.IsDefaultPort)
        {
            ws.Port = -1;
        }

        SocketBase = new Uri(ws.Uri, "ws");
        DisplayBase = Utils.UrlRedaction.WithoutSecrets(HttpBase);
        Display = DisplayBase.GetLeftPart(UriPartial.Path).TrimEnd('/');
    }

    /// <summary>Gets the base every HTTP route is resolved against (ends with '/').</summary>
    public Uri HttpBase { get; }

    /// <summary>Gets the WebSocket URL without the query.</summary>
    public Uri SocketBase { get; }

    /// <summary>Gets <see cref="HttpBase"/> without user info, safe to show.</summary>
    public Uri DisplayBase { get; }

    /// <summary>Gets the address for messages (no credentials, no query).</summary>
    public string Display { get; }

    public Uri Route(string relative) => new(HttpBase, relative.TrimStart('/'));

    public Uri Socket(string clientId) => new($"{SocketBase}?clientId={Uri.EscapeDataString(clientId)}");
}
