using Dhee.Bundles;
using Dhee.Caching;
using Dhee.Comfy;
using Dhee.Comfy.Runners;
using Dhee.Endpoints;
using Dhee.Testing;
using Dhee.Testing.Comfy;
using Dhee.Walking;

namespace Dhee.Tests.Comfy;

public sealed class ComfyTtiSampleTests
{
    [Fact]
    public async Task Walk_ComfyTtiSample_RendersImageOnLoopback()
    {
        var serverOptions = new LoopbackComfyServerOptions();
        serverOptions.Models["checkpoints"] = ["v1-5-pruned-emaonly.safetensors"];
        await using var server = await LoopbackComfyServer.StartAsync(serverOptions);
        var env = new Dictionary<string, string?> { ["ENDPOINT_LOCAL"] = server.BaseUri.ToString() };
        var runner = new ComfyTtiRunner(new ComfyExecutor(new ComfyClientFactory(), new EndpointResolver(null, n => env.GetValueOrDefault(n))));
        using var project = new TestProjectDirectory("comfy-sample");
        var bundle = BundleLoader.Load(ComfyRunnerTestKit.SampleBundle);
        var options = new WalkOptions
        {
            ProjectDir = project.Path,
            Cache = GenerationCache.Open(new GenerationCacheOptions { Root = Path.Combine(project.Path, ".cas") }),
            WatchStopFile = false,
        };

        var result = await new Walker([runner]).WalkAsync(bundle, options);
        Assert.True(result.Success, result.Message + " " + string.Join("; ", result.Failures));
        Assert.True(new FileInfo(Path.Combine(project.Path, "renders", "image.png")).Length > 0);
        Assert.Equal(1, server.AcceptedPrompts);
        var submitted = server.RequestLog.Count(r => r.StartsWith("POST /prompt", StringComparison.Ordinal));
        Assert.Equal(1, submitted);
    }
}
