using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dhee.Testing;

/// <summary>The Kestrel host every loopback server runs on: 127.0.0.1, a free port, no logging.</summary>
internal static class LoopbackHost
{
    /// <summary>Builds the host (not started).</summary>
    /// <param name="maxRequestBodySize">The request body limit; null keeps Kestrel's default.</param>
    /// <returns>The application; map routes, then start it and read <see cref="RootOf"/>.</returns>
    public static WebApplication Build(long? maxRequestBodySize = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            if (maxRequestBodySize is long max)
            {
                k.Limits.MaxRequestBodySize = max;
            }
        });
        return builder.Build();
    }

    /// <summary>Gets the root address of a started host, for example <c>http://127.0.0.1:41234</c> (no trailing slash).</summary>
    /// <param name="app">The started application.</param>
    /// <returns>The address.</returns>
    public static string RootOf(WebApplication app)
        => app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
}
