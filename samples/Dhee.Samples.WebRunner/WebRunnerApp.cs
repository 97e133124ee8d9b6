using Dhee.Caching;
using Dhee.Server.Execution;
using Dhee.Walking;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;

namespace Dhee.Samples.WebRunner;

/// <summary>Builds the sample host: the Dhee run service over the real walker with demo runners, and the page.</summary>
internal static class WebRunnerApp
{
    public static WebApplication Create(string[] args, WebRunnerSettings settings, Action<WebApplicationBuilder>? configure = null)
    {
        var webRoot = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, WebRootPath = webRoot, ContentRootPath = AppContext.BaseDirectory });
        if (settings.Urls is not null)
        {
            builder.WebHost.UseUrls(settings.Urls);
        }

        var runners = DemoRunner.All(settings.StepDelay);
        builder.Services.AddDheeServer(options =>
        {
            options.AddApiKey("demo", settings.ApiKey, isAdmin: true);
            options.DatabasePath = Path.Combine(settings.DataDir, "runs.db");
            options.ProjectsRoot = Path.Combine(settings.DataDir, "projects");
            options.HeartbeatInterval = TimeSpan.FromSeconds(5);
            foreach (var runner in runners)
            {
                options.CatalogRunners.Add(runner.Describe());
            }
        });
        builder.Services.AddSingleton(new Walker(runners));
        builder.Services.AddSingleton(new WalkerRunExecutorOptions { Cache = GenerationCache.Disabled, MaxParallelism = 3 });
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(webRoot) });
        app.MapDhee();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var urls = string.Join(", ", app.Urls);
            Console.WriteLine($"Dhee web runner sample on {urls}");
            if (Environment.GetEnvironmentVariable("DHEE_SAMPLE_API_KEY") is null)
            {
                // The generated key goes to a private file, never to the console or logs.
                var keyFile = Path.Combine(settings.DataDir, "api-key.txt");
                Directory.CreateDirectory(settings.DataDir);
                File.WriteAllText(keyFile, settings.ApiKey);
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }

                Console.WriteLine($"Paste the API key from {keyFile} into the page (or set DHEE_SAMPLE_API_KEY).");
            }
        });
        return app;
    }
}
