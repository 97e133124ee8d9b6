using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Dhee.Server.Http;

/// <summary>
/// Accepts a WebSocket on a request through the server's upgrade feature (RFC 6455 handshake), so the event stream's
/// WebSocket variant works without the host adding the WebSockets middleware.
/// </summary>
internal static class WebSocketUpgrade
{
    private const string HandshakeGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary>Completes the handshake and returns the server side of the socket, or null when the request is not a WebSocket upgrade.</summary>
    public static async Task<WebSocket?> AcceptAsync(HttpContext context, TimeSpan keepAlive)
    {
        // The host's WebSockets middleware, when present, owns the upgrade.
        if (context.WebSockets.IsWebSocketRequest)
        {
            return await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = keepAlive }).ConfigureAwait(false);
        }

        var request = context.Request;
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        var key = request.Headers["Sec-WebSocket-Key"].ToString();
        if (upgrade is not { IsUpgradableRequest: true } || !HttpMethods.IsGet(request.Method) || key.Length == 0
            || !string.Equals(request.Headers.Upgrade.ToString(), "websocket", StringComparison.OrdinalIgnoreCase)
            || request.Headers["Sec-WebSocket-Version"].ToString() != "13")
        {
            return null;
        }

        // SHA-1 is what the WebSocket handshake prescribes (RFC 6455 §4.2.2); it proves nothing about security here.
#pragma warning disable CA5350
        var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + HandshakeGuid)));
#pragma warning restore CA5350
        context.Response.Headers.Connection = "Upgrade";
        context.Response.Headers.Upgrade = "websocket";
        context.Response.Headers["Sec-WebSocket-Accept"] = accept;
        var stream = await upgrade.UpgradeAsync().ConfigureAwait(false);
        return WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = keepAlive });
    }
}
