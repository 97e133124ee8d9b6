// A console host that adopts Dhee the way it adopts any Microsoft.Extensions library: configuration (appsettings.json,
// environment, --Dhee:Key value), dependency injection, logging and Ctrl+C through the generic host.
//
//   dotnet run --project samples/Dhee.Samples.HostApp -- --project out/hostapp [--bundle samples/bundles/storyboard]
//
// Exit codes: 0 the walk succeeded, 1 it failed or the bundle is invalid, 130 cancelled (Ctrl+C).
using Dhee.Errors;
using Dhee.Samples.HostApp;
using Dhee.Walking;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

// appsettings.json sits next to the app, so the sample behaves the same from any working folder.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services
    .AddDhee(options => options.RunnersDirectory ??= Path.Combine(AppContext.BaseDirectory, "runners")) // the sample plugin is installed there at build
    .AddRunner<ContactSheetRunner>()
    .AddRunnersFromPlugins();

using var host = builder.Build();
try
{
    await host.StartAsync(); // validates the Dhee settings; from here Ctrl+C cancels 'stopping'
}
catch (OptionsValidationException ex)
{
    Console.Error.WriteLine($"error: invalid settings: {ex.Message}");
    return 1;
}

var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;

var bundlePath = builder.Configuration["bundle"] ?? Path.Combine(AppContext.BaseDirectory, "bundle");
var projectDir = builder.Configuration["project"] ?? Path.Combine("out", "hostapp");
var walker = host.Services.GetRequiredService<Walker>();
WalkResult? result = null;
try
{
    var bundle = Dhee.Bundles.BundleLoader.Load(bundlePath);
    Console.WriteLine($"Walking '{bundle.Id}' into {Path.GetFullPath(projectDir)}");
    await foreach (var e in walker.StreamAsync(bundle, new WalkOptions { ProjectDir = projectDir }, stopping))
    {
        var what = e.ItemId is null ? e.NodeId : $"{e.NodeId}[{e.ItemId}]";
        switch (e.Kind)
        {
            case WalkEventKind.NodeStarted:
                Console.WriteLine($"  … {what} ({e.Tool})");
                break;
            case WalkEventKind.NodeCompleted or WalkEventKind.NodeCached or WalkEventKind.NodeSkipped:
                Console.WriteLine($"  ✓ {what} {e.Kind switch { WalkEventKind.NodeCached => "from cache", WalkEventKind.NodeSkipped => "up to date", _ => "done" }} → {e.OutputPath}");
                break;
            case WalkEventKind.NodeFailed or WalkEventKind.NodeBlocked:
                Console.WriteLine($"  ✗ {what}: {e.Message}");
                break;
            case WalkEventKind.WalkFinished:
                result = e.Result;
                break;
        }
    }
}
catch (DheeException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 1;
}
finally
{
    await host.StopAsync(CancellationToken.None);
}

Console.WriteLine($"{result?.Status.ToString().ToLowerInvariant()}: {result?.Message}");
return result?.Status switch
{
    WalkStatus.Succeeded => 0,
    WalkStatus.Cancelled => 130,
    _ => 1,
};
