using System.Text.Json.Nodes;
using Dhee.Comfy;
using Dhee.Comfy.Runners;
using Dhee.Endpoints;
using Dhee.Inputs;
using Dhee.Runners;
using Dhee.Testing;
using Dhee.Testing.Comfy;
using Dhee.Testing.RunPod;
using Dhee.Tests.Comfy;

namespace Dhee.Tests.RunPod;

public sealed class RunPodExecutorTests : IDisposable
{
    private readonly TestProjectDirectory _dir = new("runpod-exec");

    public void Dispose() => _dir.Dispose();

    private const string OnePixelPng = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

    private string Png(string name)
    {
        var path = Path.Combine(_dir.Path, "in", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, Convert.FromBase64String(OnePixelPng));
        return path;
    }

    private string Bundle()
    {
        var bundle = Path.Combine(_dir.Path, "bundle");
        Directory.CreateDirectory(Path.Combine(bundle, "wf"));
        File.WriteAllText(Path.Combine(bundle, "wf", "invert.json"), """
            {"1": {"class_type": "LoadImage", "inputs": {"image": "example.png"}},
             "2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}},
             "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "ComfyUI"}}}
            """);
        File.WriteAllText(Path.Combine(bundle, "wf", "invert.manifest.json"), """
            {"parameterMappings": [{"input": "image", "nodeId": "1", "field": "image"}, {"input": "filenamePrefix", "nodeId": "3", "field": "filename_prefix"}],
             "inputRequirements": [{"id": "image", "type": "image", "required": true}]}
            """);
        return bundle;
    }

    private static JsonObject Config() => new() { ["workflowPath"] = "wf/invert.json", ["manifestPath"] = "wf/invert.manifest.json", ["endpoint"] = "gen" };

    private static async Task<RunnerResult> RunAsync(string project, string bundle, string image, Func<string, string?> env, ComfyClientFactory? factory = null, IProgress<RunnerProgress>? progress = null, CancellationToken ct = default)
    {
        factory ??= new ComfyClientFactory { ConfigureRunPod = o => o.PollInitialDelay = TimeSpan.FromMilliseconds(10) };
        var runner = new ComfyWorkflowRunner(new ComfyExecutor(factory, new EndpointResolver(null, env)));
        return await runner.RunAsync(ComfyRunnerTestKit.Context(project, ComfyWorkflowRunner.Tool, Config(), bundleDir: bundle, inputs: [new("image", new FileInputValue(image))], progress: progress, cancellationToken: ct));
    }

    [Fact]
    public async Task SameBundle_LocalAndRunPodEndpoints_ProduceSameArtifact()
    {
        var bundle = Bundle();
        var image = Png("photo.png");
        await using var localComfy = await LoopbackComfyServer.StartAsync();
        await using var workerComfy = await LoopbackComfyServer.StartAsync();
        await using var runpod = await LoopbackRunPodServer.StartAsync(new LoopbackRunPodServerOptions { Comfy = workerComfy, OutputMode = LoopbackRunPodOutputMode.S3Url });

        var localProject = Path.Combine(_dir.Path, "local");
        var local = await RunAsync(localProject, bundle, image, n => n == "ENDPOINT_GEN" ? localComfy.BaseUri.ToString() : null);
        Assert.True(local.IsSuccess, local.Error?.Message);

        var env = new Dictionary<string, string?>
        {
            ["ENDPOINT_GEN"] = "runpod://" + runpod.EndpointId,
            ["RUNPOD_API_KEY"] = runpod.ApiKey,
            ["RUNPOD_API_BASE"] = runpod.ApiBase.ToString(),
        };
        var events = new List<RunnerProgress>();
        var cloudProject = Path.Combine(_dir.Path, "cloud");
        var cloud = await RunAsync(cloudProject, bundle, image, n => env.GetValueOrDefault(n), progress: new SyncProgress(events.Add));
        Assert.True(cloud.IsSuccess, cloud.Error?.Message);

        var localBytes = File.ReadAllBytes(Path.Combine(localProject, "out", "img.png"));
        Assert.Equal(localBytes, File.ReadAllBytes(Path.Combine(cloudProject, "out", "img.png")));
        Assert.Equal(local.InputsHash, cloud.InputsHash);
        Assert.Equal("gen", cloud.Metadata["endpoint"]!.GetValue<string>());
        Assert.Contains(runpod.EndpointId, cloud.Metadata["endpointUrl"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains(events, e => e.Message?.Contains("RunPod job", StringComparison.Ordinal) == true);

        // The image travelled inline, under the name the LoadImage node references.
        var input = Assert.Single(runpod.ReceivedInputs);
        var sent = Assert.Single(input["images"]!.AsArray())!;
        Assert.Equal(sent["name"]!.GetValue<string>(), input["workflow"]!["1"]!["inputs"]!["image"]!.GetValue<string>());
        Assert.Equal(File.ReadAllBytes(image), Convert.FromBase64String(sent["image"]!.GetValue<string>()));
    }

    [Fact]
    public async Task RunPodEndpoint_ImageOverBodyLimit_RefusedBeforeSendingNamingInput()
    {
        var bundle = Bundle();
        var image = Path.Combine(_dir.Path, "in", "huge.png");
        Directory.CreateDirectory(Path.GetDirectoryName(image)!);
        File.WriteAllBytes(image, new byte[8 * 1024 * 1024]);
        await using var runpod = await LoopbackRunPodServer.StartAsync();
        var env = new Dictionary<string, string?> { ["ENDPOINT_GEN"] = "runpod://" + runpod.EndpointId, ["RUNPOD_API_KEY"] = runpod.ApiKey, ["RUNPOD_API_BASE"] = runpod.ApiBase.ToString() };
        var result = await RunAsync(Path.Combine(_dir.Path, "p"), bundle, image, n => env.GetValueOrDefault(n));
        Assert.False(result.IsSuccess);
        Assert.Contains("huge.png", result.Error!.Message, StringComparison.Ordinal);
        Assert.Contains("10 MB", result.Error.Message, StringComparison.Ordinal);
        Assert.Contains("resize or compress", result.Error.Message, StringComparison.Ordinal);
        Assert.False(result.Error.IsTransient);
        Assert.Empty(runpod.RequestLog);
    }

    [Fact]
    public async Task RunPodEndpoint_FailedJob_FailureCarriesRunPodError()
    {
        var bundle = Bundle();
        var image = Png("a.png");
        await using var runpod = await LoopbackRunPodServer.StartAsync();
        runpod.Faults.FailJobsWith = "CUDA out of memory";
        var env = new Dictionary<string, string?> { ["ENDPOINT_GEN"] = "runpod://" + runpod.EndpointId, ["RUNPOD_API_KEY"] = runpod.ApiKey, ["RUNPOD_API_BASE"] = runpod.ApiBase.ToString() };
        var result = await RunAsync(Path.Combine(_dir.Path, "p"), bundle, image, n => env.GetValueOrDefault(n));
        Assert.False(result.IsSuccess);
        Assert.Contains("CUDA out of memory", result.Error!.Message, StringComparison.Ordinal);
        Assert.Equal("comfy.failed", result.Error.Code);
        Assert.False(File.Exists(Path.Combine(_dir.Path, "p", "out", "img.png")));
    }

    [Fact]
    public async Task RunPodEndpoint_MissingKey_FailsNamingCredentialVariable()
    {
        var bundle = Bundle();
        var image = Png("a.png");
        var options = new EndpointOptions();
        options.Endpoints["gen"] = new EndpointDefinition { Url = "runpod://abc", CredentialEnv = "STUDIO_RUNPOD_KEY", ApiBase = new Uri("http://127.0.0.1:9/v2") };
        var runner = new ComfyWorkflowRunner(new ComfyExecutor(new ComfyClientFactory(), new EndpointResolver(options, _ => null)));
        var result = await runner.RunAsync(ComfyRunnerTestKit.Context(Path.Combine(_dir.Path, "p"), ComfyWorkflowRunner.Tool, Config(), bundleDir: bundle, inputs: [new("image", new FileInputValue(image))]));
        Assert.False(result.IsSuccess);
        Assert.Contains("STUDIO_RUNPOD_KEY", result.Error!.Message, StringComparison.Ordinal);
        Assert.False(result.Error.IsTransient);
    }

    [Fact]
    public async Task RunPodEndpoint_Cancelled_CancelsJobAndThrows()
    {
        var bundle = Bundle();
        var image = Png("a.png");
        await using var runpod = await LoopbackRunPodServer.StartAsync();
        runpod.Faults.HangInProgress = true;
        var env = new Dictionary<string, string?> { ["ENDPOINT_GEN"] = "runpod://" + runpod.EndpointId, ["RUNPOD_API_KEY"] = runpod.ApiKey, ["RUNPOD_API_BASE"] = runpod.ApiBase.ToString() };
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress(p =>
        {
            if (p.Message?.Contains("running", StringComparison.Ordinal) == true)
            {
                cts.Cancel();
            }
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RunAsync(Path.Combine(_dir.Path, "p"), bundle, image, n => env.GetValueOrDefault(n), progress: progress, ct: cts.Token));
        Assert.Contains(runpod.RequestLog, r => r.StartsWith("POST /cancel/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunPodEndpoint_RunSync_OneCallNoPolling()
    {
        var bundle = Bundle();
        var image = Png("a.png");
        await using var runpod = await LoopbackRunPodServer.StartAsync();
        var options = new EndpointOptions();
        options.Endpoints["gen"] = new EndpointDefinition { Url = "runpod://" + runpod.EndpointId, BearerToken = runpod.ApiKey, ApiBase = runpod.ApiBase, UseRunSync = true };
        var runner = new ComfyWorkflowRunner(new ComfyExecutor(new ComfyClientFactory(), new EndpointResolver(options, _ => null)));
        var result = await runner.RunAsync(ComfyRunnerTestKit.Context(Path.Combine(_dir.Path, "p"), ComfyWorkflowRunner.Tool, Config(), bundleDir: bundle, inputs: [new("image", new FileInputValue(image))]));
        Assert.True(result.IsSuccess, result.Error?.Message);
        Assert.Equal(["POST /runsync"], runpod.RequestLog);
    }

    [Fact]
    public async Task RunPodEndpoint_SuccessNoImages_FailureExplainsWorkerReturnsImagesOnly()
    {
        var bundle = Bundle();
        var image = Png("a.png");
        await using var runpod = await LoopbackRunPodServer.StartAsync();
        runpod.Faults.NoImages = true;
        var env = new Dictionary<string, string?> { ["ENDPOINT_GEN"] = "runpod://" + runpod.EndpointId, ["RUNPOD_API_KEY"] = runpod.ApiKey, ["RUNPOD_API_BASE"] = runpod.ApiBase.ToString() };
        var result = await RunAsync(Path.Combine(_dir.Path, "p"), bundle, image, n => env.GetValueOrDefault(n));
        Assert.False(result.IsSuccess);
        Assert.Contains("success_no_images", result.Error!.Message, StringComparison.Ordinal);
        Assert.Contains("images only", result.Error.Message, StringComparison.Ordinal);
    }

    private sealed class SyncProgress(Action<RunnerProgress> report) : IProgress<RunnerProgress>
    {
        public void Report(RunnerProgress value) => report(value);
    }
}
