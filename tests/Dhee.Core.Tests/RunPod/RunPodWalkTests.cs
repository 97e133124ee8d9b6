using System.Text.Json.Nodes;
using Dhee.Bundles;
using Dhee.Caching;
using Dhee.Comfy;
using Dhee.Comfy.Runners;
using Dhee.Endpoints;
using Dhee.Testing;
using Dhee.Testing.Comfy;
using Dhee.Testing.RunPod;
using Dhee.Tests.Walking;
using Dhee.Walking;

namespace Dhee.Tests.RunPod;

public sealed class RunPodWalkTests : IDisposable
{
    private readonly TestProjectDirectory _dir = new("runpod-walk");

    public void Dispose() => _dir.Dispose();

    private Bundle WriteBundle()
    {
        var bundleDir = Path.Combine(_dir.Path, "bundle");
        Directory.CreateDirectory(bundleDir);
        File.WriteAllText(Path.Combine(bundleDir, "gradient.json"), """
            {"1": {"class_type": "EmptyImage", "inputs": {"width": 16, "height": 16, "batch_size": 1, "color": 1234}},
             "2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}},
             "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "walk"}}}
            """);
        static BundleNode Node(string id, params NodeInput[] inputs)
            => WalkTestKit.Stage(id, ComfyWorkflowRunner.Tool, format: OutputFormat.Image, config: new JsonObject { ["workflowPath"] = "gradient.json", ["endpoint"] = "gen" }, inputs: inputs);
        return new Bundle { Id = "same-bundle", Goal = "b", Nodes = [Node("a"), Node("b", new NodeInput { From = "a" })], BundleDir = bundleDir };
    }

    private static async Task<WalkResult> WalkAsync(Bundle bundle, string project, EndpointOptions endpoints)
    {
        var executor = new ComfyExecutor(new ComfyClientFactory { ConfigureRunPod = o => o.PollInitialDelay = TimeSpan.FromMilliseconds(10) }, new EndpointResolver(endpoints, _ => null));
        return await new Walker([new ComfyWorkflowRunner(executor)]).WalkAsync(bundle, new WalkOptions
        {
            ProjectDir = project,
            Cache = GenerationCache.Disabled,
            Retry = new WalkRetryOptions { MaxRetryAttempts = 0 },
            WatchStopFile = false,
            ResourceConcurrency = endpoints.GetResourceConcurrency(),
        });
    }

    [Fact]
    public async Task Walk_SameBundleOnLocalThenRunPodEndpoint_SameArtifacts()
    {
        var bundle = WriteBundle();
        await using var local = await LoopbackComfyServer.StartAsync();
        await using var worker = await LoopbackComfyServer.StartAsync();
        await using var runpod = await LoopbackRunPodServer.StartAsync(new LoopbackRunPodServerOptions { Comfy = worker });

        var localEndpoints = new EndpointOptions();
        localEndpoints.Endpoints["gen"] = new EndpointDefinition { Url = local.BaseUri.ToString(), MaxConcurrency = 1 };
        var localProject = Path.Combine(_dir.Path, "local");
        var first = await WalkAsync(bundle, localProject, localEndpoints);
        Assert.Equal(WalkStatus.Succeeded, first.Status);

        var cloudEndpoints = new EndpointOptions();
        cloudEndpoints.Endpoints["gen"] = new EndpointDefinition { Url = "runpod://" + runpod.EndpointId, BearerToken = runpod.ApiKey, ApiBase = runpod.ApiBase, MaxConcurrency = 4 };
        var cloudProject = Path.Combine(_dir.Path, "cloud");
        var second = await WalkAsync(bundle, cloudProject, cloudEndpoints);
        Assert.Equal(WalkStatus.Succeeded, second.Status);

        foreach (var id in new[] { "a", "b" })
        {
            var expected = File.ReadAllBytes(Path.Combine(localProject, "out", id + ".png"));
            Assert.NotEmpty(expected);
            Assert.Equal(expected, File.ReadAllBytes(Path.Combine(cloudProject, "out", id + ".png")));
        }

        Assert.Equal(2, local.AcceptedPrompts);
        Assert.Equal(2, runpod.ReceivedInputs.Count);
        Assert.Equal(2, worker.AcceptedPrompts);
        Assert.Single(runpod.ReceivedInputs[1]["images"]!.AsArray());
    }

    [Fact]
    public async Task Walk_EndpointLimitsConfiguredOnce_PaceEachEndpointWithoutResourceLimits()
    {
        // Jobs last long enough that, unpaced, all four per endpoint would overlap.
        var slow = TimeSpan.FromMilliseconds(300);
        await using var one = await LoopbackRunPodServer.StartAsync(new LoopbackRunPodServerOptions { EndpointId = "one", ExecutionDelay = slow });
        await using var two = await LoopbackRunPodServer.StartAsync(new LoopbackRunPodServerOptions { EndpointId = "two", ExecutionDelay = slow });
        var endpoints = new EndpointOptions();
        endpoints.Endpoints["one"] = new EndpointDefinition { Url = "runpod://one", BearerToken = one.ApiKey, ApiBase = one.ApiBase, MaxConcurrency = 1 };
        endpoints.Endpoints["two"] = new EndpointDefinition { Url = "runpod://two", BearerToken = two.ApiKey, ApiBase = two.ApiBase, MaxConcurrency = 2 };

        var bundleDir = Path.Combine(_dir.Path, "limits");
        Directory.CreateDirectory(bundleDir);
        File.WriteAllText(Path.Combine(bundleDir, "wf.json"), """
            {"1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 7}},
             "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "limit"}}}
            """);
        static BundleNode Node(string id, string endpoint)
            => WalkTestKit.Stage(id, ComfyWorkflowRunner.Tool, format: OutputFormat.Image, config: new JsonObject { ["workflowPath"] = "wf.json", ["endpoint"] = endpoint });
        var work = Enumerable.Range(0, 4).SelectMany(i => new[] { Node($"one{i}", "one"), Node($"two{i}", "two") }).ToList();
        var join = WalkTestKit.Stage("join", inputs: [.. work.Select(n => WalkTestKit.From(n.Id))]);
        var bundle = new Bundle { Id = "limits", Goal = "join", Nodes = [.. work, join], BundleDir = bundleDir };

        var executor = new ComfyExecutor(new ComfyClientFactory { ConfigureRunPod = o => o.PollInitialDelay = TimeSpan.FromMilliseconds(10) }, new EndpointResolver(endpoints, _ => null));
        var result = await new Walker([new ComfyWorkflowRunner(executor), new FuncRunner("test.text")]).WalkAsync(bundle, new WalkOptions
        {
            ProjectDir = Path.Combine(_dir.Path, "limits-project"),
            MaxParallelism = 8,
            Cache = GenerationCache.Disabled,
            Retry = new WalkRetryOptions { MaxRetryAttempts = 0 },
            WatchStopFile = false,
            Endpoints = endpoints,
        });

        Assert.True(result.Status == WalkStatus.Succeeded, string.Join("; ", result.Failures));
        Assert.Equal(4, one.ReceivedInputs.Count);
        Assert.Equal(4, two.ReceivedInputs.Count);
        Assert.Equal(1, one.MaxActiveJobs);
        Assert.Equal(2, two.MaxActiveJobs);
    }
}
