using System.Text.Json.Nodes;
using Dhee.Caching;
using Dhee.Comfy;
using Dhee.Comfy.Runners;
using Dhee.Endpoints;
using Dhee.Inputs;
using Dhee.Runners;
using Dhee.Testing;
using Dhee.Testing.Comfy;

namespace Dhee.Tests.Comfy;

public sealed class ComfyExecutorTests : IDisposable
{
    private readonly TestProjectDirectory _project = new("comfy-exec");

    public void Dispose() => _project.Dispose();

    private GenerationCache OpenCache() => GenerationCache.Open(new GenerationCacheOptions { Root = Path.Combine(_project.Path, ".cas") });

    private static (ComfyExecutor Executor, StubComfyClientFactory Factory) StubExecutor(Dictionary<string, string?>? env = null, EndpointOptions? options = null)
    {
        var stub = new StubComfyClient();
        var o = new LoopbackComfyServerOptions();
        var info = LoopbackObjectInfo.Load();
        info["CheckpointLoaderSimple"]!["input"]!["required"]!["ckpt_name"]![0] = new JsonArray("v1-5-pruned-emaonly.safetensors", "sdxl.safetensors");
        stub.ObjectInfo = new ComfyObjectInfo(info);
        var factory = new StubComfyClientFactory(stub);
        var vars = env ?? new Dictionary<string, string?> { ["COMFYUI_BASE_URL"] = "http://local:8188" };
        return (new ComfyExecutor(factory, new EndpointResolver(options, n => vars.GetValueOrDefault(n))), factory);
    }

    private static JsonObject TtiConfig(string? endpoint = null) => new() { ["prompt"] = "a red fox", ["endpoint"] = endpoint };

    [Fact]
    public async Task ComfyTti_WithoutReferenceImage_PrunesBranchMapsInputsAndWritesOutput()
    {
        var (executor, factory) = StubExecutor();
        var runner = new ComfyTtiRunner(executor);
        var config = TtiConfig();
        config["width"] = 640;
        config["steps"] = 12;
        var result = await runner.RunAsync(ComfyRunnerTestKit.Context(_project.Path, ComfyTtiRunner.Tool, config));
        Assert.True(result.IsSuccess, result.Error?.Message);
        var prompt = Assert.Single(factory.Client.SubmittedPrompts);
        Assert.False(prompt.ContainsKey("10"));
        Assert.False(prompt.ContainsKey("11"));
        Assert.Equal("[\"5\",0]", prompt["3"]!["inputs"]!["latent_image"]!.ToJsonString());
        Assert.Equal("a red fox", prompt["6"]!["inputs"]!["text"]!.GetValue<string>());
        Assert.Equal(640, prompt["5"]!["inputs"]!["width"]!.GetValue<int>());
        Assert.Equal(12, prompt["3"]!["inputs"]!["steps"]!.GetValue<int>());
        Assert.StartsWith("dhee/img_", prompt["9"]!["inputs"]!["filename_prefix"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(factory.Client.OutputBytes, await File.ReadAllBytesAsync(Path.Combine(_project.Path, "out", "img.png")));
        Assert.False(result.Cached);
        Assert.NotNull(result.InputsHash);
        Assert.NotNull(result.Metadata["promptId"]);
        Assert.Equal("default", result.Metadata["endpoint"]!.GetValue<string>());
        Assert.NotNull(result.Metadata["timings"]!["totalMs"]);
        Assert.Equal(1, factory.Client.DisposeCount);
    }

    [Fact]
    public async Task ComfyTti_WithReferenceImage_UploadsAndMapsReturnedName()
    {
        var (executor, factory) = StubExecutor();
        var image = _project.WriteFile("in/ref.png", "png-bytes");
        var result = await new ComfyTtiRunner(executor).RunAsync(ComfyRunnerTestKit.Context(_project.Path, ComfyTtiRunner.Tool, TtiConfig(), inputs: [new("reference_image", new FileInputValue(image))]));
        Assert.True(result.IsSuccess, result.Error?.Message);
        var prompt = factory.Client.SubmittedPrompts.Single();
        Assert.Equal("stub-ref.png", prompt["10"]!["inputs"]!["image"]!.GetValue<string>());
        Assert.Equal("[\"11\",0]", prompt["3"]!["inputs"]!["latent_image"]!.ToJsonString());
        Assert.Equal([image], factory.Client.UploadedFiles);
    }

    [Fact]
    public async Task ComfyTti_OtherWorkflowWithoutReferenceBranchAndJsonPromptInput_NotPrunedAndPromptFound()
    {
        var (executor, factory) = StubExecutor();
        // A text-to-image workflow of another shape (SDXL-style ids, no LoadImage/VAEEncode branch) given through workflowPath.
        _project.WriteFile("other-bundle/workflows/tti.json", """
            {"1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd_xl_base_1.0.safetensors"}},
             "2": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["1", 1], "text": ""}},
             "3": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["1", 1], "text": "text, watermark, blurry"}},
             "4": {"class_type": "EmptyLatentImage", "inputs": {"width": 1280, "height": 720, "batch_size": 1}},
             "5": {"class_type": "KSampler", "inputs": {"model": ["1", 0], "positive": ["2", 0], "negative": ["3", 0], "latent_image": ["4", 0], "seed": 0, "steps": 25, "cfg": 6.5, "sampler_name": "euler", "scheduler": "normal", "denoise": 1.0}},
             "6": {"class_type": "VAEDecode", "inputs": {"samples": ["5", 0], "vae": ["1", 2]}},
             "7": {"class_type": "SaveImage", "inputs": {"images": ["6", 0], "filename_prefix": "dhee"}}}
            """);
        _project.WriteFile("other-bundle/workflows/tti.manifest.json", """
            {"inputRequirements": [{"id": "prompt", "type": "text", "required": true}],
             "parameterMappings": [{"input": "prompt", "nodeId": "2", "field": "text"}, {"input": "seed", "nodeId": "5", "field": "seed"},
               {"input": "width", "nodeId": "4", "field": "width"}, {"input": "height", "nodeId": "4", "field": "height"},
               {"input": "filenamePrefix", "nodeId": "7", "field": "filename_prefix"}]}
            """);
        var bundle = Path.Combine(_project.Path, "other-bundle");
        var config = new JsonObject { ["workflowPath"] = "workflows/tti.json", ["manifestPath"] = "workflows/tti.manifest.json", ["width"] = 640, ["height"] = 360 };
        var info = factory.Client.ObjectInfo.Raw;
        info["CheckpointLoaderSimple"]!["input"]!["required"]!["ckpt_name"]![0] = new JsonArray("sd_xl_base_1.0.safetensors");
        var input = new JsonInputValue(JsonNode.Parse("{\"imagePrompt\": \"a volcano at night\"}"));
        var result = await new ComfyTtiRunner(executor).RunAsync(ComfyRunnerTestKit.Context(_project.Path, ComfyTtiRunner.Tool, config, bundleDir: bundle, inputs: [new("beat_prompt", input)]));
        Assert.True(result.IsSuccess, result.Error?.Message);
        var prompt = factory.Client.SubmittedPrompts.Single();
        Assert.Equal(7, prompt.Count);
        Assert.Equal("a volcano at night", prompt["2"]!["inputs"]!["text"]!.GetValue<string>());
        Assert.Equal(640, prompt["4"]!["inputs"]!["width"]!.GetValue<int>());
    }

    [Fact]
    public async Task Execute_RequiredInputMissing_FailsBeforeUploadOrQueue()
    {
        var (executor, factory) = StubExecutor();
        var image = _project.WriteFile("in/ref.png", "png");
        var result = await new ComfyTtiRunner(executor).RunAsync(ComfyRunnerTestKit.Context(_project.Path, ComfyTtiRunner.Tool, [], inputs: [new("reference_image", new FileInputValue(image))]));
        Assert.False(result.IsSuccess);
        Assert.Contains("required workflow input 'prompt'", result.Error!.Message, StringComparison.Ordinal);
        Assert.Contains("comfy.tti node 'img'", result.Error.Message, StringComparison.Ordinal);
        Assert.Empty(factory.Client.UploadedFiles);
        Assert.Empty(factory.Client.SubmittedPrompts);
        Assert.Empty(factory.RequestedEndpoints);
    }

    [Fact]
    public async Task Execute_NamedEndpoints_EachNameHonouredAndUnsetNamesTheVariable()
    {
        var env = new Dictionary<string, string?> { ["ENDPOINT_GPU_A100"] = "http://a100:8188", ["ENDPOINT_GPU_A100_TOKEN"] = "secret", ["ENDPOINT_LOCAL"] = "http://127.0.0.1:8188" };
        var (executor, factory) = StubExecutor(env);
        var runner = new ComfyTtiRunner(executor);
        Assert.True((await runner.RunAsync(ComfyRunnerTestKit.Context(_project.Path, ComfyTtiRunner.Tool, TtiConfig("gpu.a100"), output: "a.png"))).IsSuccess);
        Assert.True((await runner.RunAsync(ComfyRunnerTestKit.Context(_project.Path, ComfyTtiRunner.Tool, TtiConfig("local"), output: "b.png"))).IsSuccess);
        Assert.Equal(["http://a100:8188", "http://127.0.0.1:8188"], factory.RequestedEndpoints.Select(e => e.Definition.Url));
        Assert.Equal("secret", factory.RequestedEndpoints[0].Definition.BearerToken);

        var missing = await runner.RunAsync(ComfyRunnerTestKit.Context(_project.Path, ComfyTtiRunner.Tool, TtiConfig("render-farm.eu"), output: "c.png"));
        Assert.Contains("ENDPOINT_RENDER_FARM_EU", missing.Error!.Message, StringComparison.Ordinal);

        var runpod = await runner.RunAsync(ComfyRunnerTestKit.Context(_project.Path, ComfyTtiRunner.Tool, TtiConfig("runpod://abc123"), output: "d.png"));
        Assert.Contains("RunPod", runpod.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_Cache_HitsOnSameInputsAndMissesOnChangedSeedPromptImageAliasesOrWorkflow()
    {
        var options = new EndpointOptions();
        options.Endpoints["gpu"] = new EndpointDefinition { Url = "http://gpu:8188" };
        var (executor, factory) = StubExecutor(options: options);
        var runner = new ComfyTtiRunner(executor);
        var cache = OpenCache();
        var image = _project.WriteFile("in/ref.png", "one");

        async Task<RunnerResult> Run(JsonObject config, string imageText = "one", bool force = false)
        {
            await File.WriteAllTextAsync(image, imageText);
            config["endpoint"] = "gpu";
            config["forceRerun"] = force;
            return await runner.RunAsync(ComfyRunnerTestKit.Context(_project.Path, ComfyTtiRunner.Tool, config, cache: cache, inputs: [new("reference_image", new FileInputValue(image))]));
        }

        var first = await Run(new JsonObject { ["prompt"] = "fox", ["seed"] = 1 });
        var second = await Run(new JsonObject { ["prompt"] = "fox", ["seed"] = 1 });
        Assert.False(first.Cached);
        Assert.True(second.Cached, "same inputs must hit");
        Assert.Equal(first.InputsHash, second.InputsHash);
        Assert.Single(factory.Client.SubmittedPrompts);

        Assert.False((await Run(new JsonObject { ["prompt"] = "fox", ["seed"] = 2 })).Cached);
        Assert.False((await Run(new JsonObject { ["prompt"] = "wolf", ["seed"] = 1 })).Cached);
        Assert.False((await Run(new JsonObject { ["prompt"] = "fox", ["seed"] = 1, ["steps"] = 9 })).Cached);
        Assert.False((await Run(new JsonObject { ["prompt"] = "fox", ["seed"] = 1 }, "two")).Cached);
        options.Endpoints["gpu"].ModelAliases["v1-5-pruned-emaonly.safetensors"] = "sdxl.safetensors";
        var aliased = await Run(new JsonObject { ["prompt"] = "fox", ["seed"] = 1 });
        Assert.False(aliased.Cached);
        Assert.Equal("sdxl.safetensors", factory.Client.SubmittedPrompts[^1]["4"]!["inputs"]!["ckpt_name"]!.GetValue<string>());
        Assert.False((await Run(new JsonObject { ["prompt"] = "fox", ["seed"] = 1 }, force: true)).Cached);
        Assert.Equal(7, factory.Client.SubmittedPrompts.Count);
    }

    [Fact]
    public async Task Execute_CacheDisabled_SkipsWhenOutputExistsUnlessForced()
    {
        var (executor, factory) = StubExecutor();
        var runner = new ComfyTtiRunner(executor);
        _project.WriteFile("out/img.png", "already here");
        var skipped = await runner.RunAsync(ComfyRunnerTestKit.Context(_project.Path, ComfyTtiRunner.Tool, TtiConfig(), cache: GenerationCache.Disabled));
        Assert.True(skipped.IsSuccess);
        Assert.Empty(factory.Client.SubmittedPrompts);
        var config = TtiConfig();
        config["forceRerun"] = true;
        Assert.True((await runner.RunAsync(ComfyRunnerTestKit.Context(_project.Path, ComfyTtiRunner.Tool, config, cache: GenerationCache.Disabled))).IsSuccess);
        Assert.Single(factory.Client.SubmittedPrompts);
    }

    [Fact]
    public async Task Execute_ClassSwap_ValidatedAgainstObjectInfo()
    {
        var options = new EndpointOptions();
        options.Endpoints["gguf"] = new EndpointDefinition { Url = "http://gguf:8188" };
        options.Endpoints["gguf"].ClassSwaps.Add(new ComfyClassSwap { FromClass = "CheckpointLoaderSimple", ToClass = "UnetLoaderGGUF" });
        var (executor, factory) = StubExecutor(options: options);
        var result = await new ComfyTtiRunner(executor).RunAsync(ComfyRunnerTestKit.Context(_project.Path, ComfyTtiRunner.Tool, TtiConfig("gguf")));
        Assert.Contains("UnetLoaderGGUF is not installed", result.Error!.Message, StringComparison.Ordinal);
        Assert.Empty(factory.Client.SubmittedPrompts);

        options.Endpoints["gguf"].ClassSwaps.Clear();
        options.Endpoints["gguf"].ClassSwaps.Add(new ComfyClassSwap { FromClass = "VAEDecode", ToClass = "VAEDecodeTiled", NodeId = "8" });
        var ok = await new ComfyTtiRunner(executor).RunAsync(ComfyRunnerTestKit.Context(_project.Path, ComfyTtiRunner.Tool, TtiConfig("gguf")));
        Assert.True(ok.IsSuccess, ok.Error?.Message);
        Assert.Equal("VAEDecodeTiled", factory.Client.SubmittedPrompts.Single()["8"]!["class_type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Execute_PreSubmitValidation_ReportsModelHintWithoutQueueing()
    {
        var (executor, factory) = StubExecutor();
        var config = TtiConfig();
        config["checkpoint"] = "flux-dev.safetensors";
        var result = await new ComfyTtiRunner(executor).RunAsync(ComfyRunnerTestKit.Context(_project.Path, ComfyTtiRunner.Tool, config));
        Assert.False(result.IsSuccess);
        Assert.Contains("node 4 (CheckpointLoaderSimple) input 'ckpt_name'", result.Error!.Message, StringComparison.Ordinal);
        Assert.Contains("installed values: v1-5-pruned-emaonly.safetensors, sdxl.safetensors", result.Error.Message, StringComparison.Ordinal);
        Assert.Empty(factory.Client.SubmittedPrompts);
    }

    [Fact]
    public async Task Execute_Cancelled_ThrowsBeforeAnyWork()
    {
        var (executor, factory) = StubExecutor();
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await new ComfyTtiRunner(executor).RunAsync(ComfyRunnerTestKit.Context(_project.Path, ComfyTtiRunner.Tool, TtiConfig(), cancellationToken: cts.Token)));
        Assert.Empty(factory.Client.SubmittedPrompts);
    }

    [Fact]
    public async Task Execute_UnsafeOutputPathOrMissingWorkflow_FailsActionably()
    {
        var (executor, _) = StubExecutor();
        var config = TtiConfig();
        config["workflowPath"] = "workflows/nope.json";
        var missing = await new ComfyTtiRunner(executor).RunAsync(ComfyRunnerTestKit.Context(_project.Path, ComfyTtiRunner.Tool, config));
        Assert.Contains("workflows/nope.json", missing.Error!.Message, StringComparison.Ordinal);
        config["workflowPath"] = "../../etc/passwd";
        Assert.Contains("workflowPath", (await new ComfyTtiRunner(executor).RunAsync(ComfyRunnerTestKit.Context(_project.Path, ComfyTtiRunner.Tool, config))).Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_AgainstLoopbackServer_EndToEndWithProgressAndFailures()
    {
        var serverOptions = new LoopbackComfyServerOptions();
        serverOptions.Models["checkpoints"] = ["v1-5-pruned-emaonly.safetensors"];
        await using var server = await LoopbackComfyServer.StartAsync(serverOptions);
        var options = new EndpointOptions();
        options.Endpoints["loop"] = new EndpointDefinition { Url = server.BaseUri.ToString() };
        var executor = new ComfyExecutor(new ComfyClientFactory(configure: o => o.InactivityTimeout = TimeSpan.FromSeconds(2)), new EndpointResolver(options, _ => null));
        var progress = new List<RunnerProgress>();
        var result = await new ComfyTtiRunner(executor).RunAsync(ComfyRunnerTestKit.Context(_project.Path, ComfyTtiRunner.Tool, TtiConfig("loop"), progress: new SyncProgress(progress.Add)));
        Assert.True(result.IsSuccess, result.Error?.Message);
        var file = result.Metadata["output"]!["filename"]!.GetValue<string>();
        Assert.Equal(server.GetFile("output", "dhee", file), await File.ReadAllBytesAsync(Path.Combine(_project.Path, "out", "img.png")));
        Assert.Contains(progress, p => p.Message is not null && p.Message.Contains("running node", StringComparison.Ordinal));

        server.Faults.FailClassType = "KSampler";
        var config = TtiConfig("loop");
        config["seed"] = 99;
        var failed = await new ComfyTtiRunner(executor).RunAsync(ComfyRunnerTestKit.Context(_project.Path, ComfyTtiRunner.Tool, config, output: "out/fail.png"));
        Assert.False(failed.IsSuccess);
        Assert.Contains("node 3 (KSampler) failed: RuntimeError", failed.Error!.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_project.Path, "out", "fail.png")));
    }

    private sealed class SyncProgress(Action<RunnerProgress> action) : IProgress<RunnerProgress>
    {
        public void Report(RunnerProgress value) => action(value);
    }
}
