using System.Globalization;
using System.Text.Json.Nodes;
using Dhee.Runners.BuiltIn;
using Dhee.BuiltIn.Llm;
using Dhee.Bundles;
using Dhee.Caching;
using Dhee.Registry;
using Dhee.Runners;
using Dhee.Testing;
using Dhee.Testing.OpenAI;
using Dhee.Tests.BuiltIn.Ffmpeg;
using Dhee.Walking;
using Microsoft.Extensions.AI;

namespace Dhee.Tests.BuiltIn;

/// <summary>
/// Walks samples/bundles/explainer end to end: llm.generate against a loopback OpenAI-compatible server, a stand-in
/// comfy.tti that paints a placeholder still with ffmpeg (ComfyUI runners are not in this branch), the real
/// ffmpeg.kenburns and ffmpeg.concat.
/// </summary>
public sealed class ExplainerSampleTests : IAsyncLifetime
{
    private readonly TestProjectDirectory _project = new("dhee-explainer");
    private readonly TestProjectDirectory _cache = new("dhee-explainer-cas");
    private LoopbackOpenAIServer _server = null!;
    private OpenAICompatibleChatClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await LoopbackOpenAIServer.StartAsync();
        _client = new OpenAICompatibleChatClient(new OpenAICompatibleChatClientOptions { Endpoint = _server.BaseUri, ApiKeyEnvironmentVariable = null, Model = "loop" });
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        _project.Dispose();
        _cache.Dispose();
    }

    [Fact]
    public async Task Walk_ExplainerSample_ProducesFinalVideoFromPlannedBeats()
    {
        var bundle = BundleLoader.Load(SampleFolder());
        // Keep the render small for a shared test machine: same graph, smaller frames and shorter beats.
        var clip = bundle.Nodes.Single(n => n.Id == "beat_clip").Runner.Config;
        clip["width"] = 160;
        clip["height"] = 90;
        clip["duration"] = 1.0;

        _server.Enqueue(ScriptedChatReply.Text("""
            ```json
            { "title": "Volcanoes", "beats": [
              { "id": "beat_1", "narration": "Magma rises.", "visual": "a magma chamber" },
              { "id": "beat_2", "narration": "Pressure builds.", "visual": "a bulging cone" },
              { "id": "beat_3", "narration": "It erupts.", "visual": "an eruption at night" } ] }
            ```
            """));
        for (var i = 0; i < 3; i++)
        {
            _server.Enqueue(ScriptedChatReply.Text("{\"imagePrompt\": \"A dramatic cross-section illustration of a volcano, warm light\"}"));
        }

        var registry = new RunnerRegistry();
        BuiltInRunners.AddTo(registry);
        registry.Register(new RunnerManifest { Tool = "comfy.tti", Version = "0.1.0", EngineCompat = ">=0.1.0" }, new PlaceholderImageRunner(), "test");
        Assert.Empty(registry.ValidateBundle(bundle));
        var walker = new Walker(
            tool => registry.TryGet(tool, out var registration) ? registration.Runner : null,
            registry.ValidateBundle,
            tool => registry.TryGet(tool, out var registration) ? registration.Manifest.Version : null);
        var options = new WalkOptions
        {
            ProjectDir = _project.Path,
            Cache = GenerationCache.Open(new GenerationCacheOptions { Root = _cache.Path }),
            Services = new ServiceMap().Add<IChatClient>(_client),
            MaxParallelism = 2,
            WatchStopFile = false,
        };

        var result = await walker.WalkAsync(bundle, options);

        Assert.True(result.Success, result.Message + " " + string.Join("; ", result.Failures));
        var final = Path.Combine(_project.Path, "assets/final/final.mp4");
        Assert.True(File.Exists(final));
        // Three 1 s clips joined with 0.5 s crossfades: 3 - 2 * 0.5 = 2 s.
        Assert.InRange(TestMedia.Duration(final), 1.9, 2.15);
        Assert.Equal(160, TestMedia.Stream(final, "video")!["width"]!.GetValue<int>());
        Assert.Equal(4, _server.Requests.Count);
        Assert.Contains(_server.Requests.Skip(1), r => r.Messages[^1].Content.Contains("Beat beat_2:", StringComparison.Ordinal));
        Assert.Equal("How volcanoes form", _server.Requests[0].Messages[^1].Content["Topic: ".Length..]);
        foreach (var beat in new[] { "beat_1", "beat_2", "beat_3" })
        {
            Assert.True(File.Exists(Path.Combine(_project.Path, "assets/clips", beat + ".mp4")), beat);
        }
    }

    private static string SampleFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "samples", "bundles", "explainer");
            if (File.Exists(Path.Combine(candidate, "bundle.json")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("samples/bundles/explainer not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Stands in for comfy.tti: checks the prompt it was given and paints a solid still with ffmpeg.</summary>
    private sealed class PlaceholderImageRunner : IRunner
    {
        public RunnerDescription Describe() => new() { Id = "comfy.tti", DisplayName = "placeholder comfy.tti" };

        public ValueTask<RunnerResult> RunAsync(RunnerContext context)
        {
            var prompt = context.Inputs["beat_prompt"].ToJson()?["imagePrompt"]?.GetValue<string>();
            if (string.IsNullOrEmpty(prompt))
            {
                return ValueTask.FromResult(RunnerResult.Failure("no imagePrompt input"));
            }

            var hue = Math.Abs(context.ItemId!.GetHashCode(StringComparison.Ordinal)) % 0xFFFFFF;
            var color = "0x" + hue.ToString("X6", CultureInfo.InvariantCulture);
            Directory.CreateDirectory(Path.GetDirectoryName(context.OutputFullPath)!);
            TestMedia.Image(context.OutputFullPath, color, 320, 180);
            return ValueTask.FromResult(RunnerResult.Success(context.OutputPath, new JsonObject { ["prompt"] = prompt }));
        }
    }
}
