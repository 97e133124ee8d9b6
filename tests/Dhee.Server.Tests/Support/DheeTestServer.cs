using System.Net.Http.Headers;
using Dhee.Server;
using Dhee.Server.Execution;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dhee.Tests.Support;

/// <summary>The real run service on Kestrel at 127.0.0.1 with a free port.</summary>
internal sealed class DheeTestServer : IAsyncDisposable
{
    public const string AliceKey = "alice-key-0123456789";
    public const string BobKey = "bob-key-0123456789";
    public const string AdminKey = "admin-key-0123456789";

    private readonly WebApplication app;

    private DheeTestServer(WebApplication app, Uri baseAddress)
    {
        this.app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public IServiceProvider Services => app.Services;

    public static async Task<DheeTestServer> StartAsync(IRunExecutor? executor, Action<DheeServerOptions>? configure = null, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddDheeServer(options =>
        {
            options.AddApiKey("alice", AliceKey);
            options.AddApiKey("bob", BobKey);
            options.AddApiKey("admin", AdminKey, isAdmin: true);
            options.HeartbeatInterval = TimeSpan.FromMilliseconds(500);
            configure?.Invoke(options);
        });
        if (executor is not null)
        {
            builder.Services.AddSingleton(executor);
        }

        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapDhee();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new DheeTestServer(app, new Uri(address.TrimEnd('/') + "/dhee/"));
    }

    public HttpClient Client(string? apiKey = AliceKey)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        }

        return client;
    }

    public HttpClient BearerClient(string token)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
