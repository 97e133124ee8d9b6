using System.Text.Json.Nodes;
using Dhee.BuiltIn;
using Dhee.BuiltIn.Llm;
using Dhee.Bundles;
using Dhee.Caching;
using Dhee.Comfy;
using Dhee.Comfy.Runners;
using Dhee.Endpoints;
using Dhee.Testing;
using Dhee.Testing.Comfy;
using Dhee.Testing.OpenAI;
using Dhee.Tests.BuiltIn.Ffmpeg;
using Dhee.Walking;
using Microsoft.Extensions.AI;

namespace Dhee.Tests.BuiltIn;

/// <summary>
/// Walks samples/bundles/explainer end to end with the real runners: llm.generate against a loopback OpenAI-compatible
/// server, comfy.tti against a loopback ComfyUI server (its "local" endpoint is given through a resolver lookup, not the
/// process environment), and ffmpeg.kenburns and ffmpeg.concat. The cache lives in a temp folder.
/// </summary>
public sealed class ExplainerSampleTests : IAsyncLifetime
{
    private readonly TestProjectDirectory _project = new("dhee-explainer");
    private readonly TestProjectDirectory _cache = new("dhee-explainer-cas");
    private LoopbackOpenAIServer _server = null!;
    private LoopbackComfyServer _comfy = null!;
    private OpenAICompatibleChatClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await LoopbackOpenAIServer.StartAsync();
        var comfyOptions = new LoopbackComfyServerOptions();
        comfyOptions.Models["checkpoints"] = ["v1-5-pruned-emaonly.safetensors"];
        _comfy = await LoopbackComfyServer.StartAsync(comfyOptions);
        _client = new OpenAICompatibleChatClient(new OpenAICompatibleChatClientOptions { Endpoint = _server.BaseUri, ApiKeyEnvironmentVariable = null, Model = "loop" });
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        await _comfy.DisposeAsync();
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
        string[] imagePrompts =
        [
            "A glowing magma chamber deep under a volcano, cross-section",
            "A bulging volcanic cone under pressure, cross-section",
            "A volcano erupting at night, lava fountains",
        ];
        foreach (var imagePrompt in imagePrompts)
        {
            _server.Enqueue(ScriptedChatReply.Text(new JsonObject { ["imagePrompt"] = imagePrompt }.ToJsonString()));
        }

        // The real comfy.tti, with the bundle's "local" endpoint resolved to the loopback ComfyUI without touching env vars.
        var endpoints = new EndpointResolver(null, name => name == "ENDPOINT_LOCAL" ? _comfy.BaseUri.ToString() : null);
        var tti = new ComfyTtiRunner(new ComfyExecutor(new ComfyClientFactory(), endpoints));
        var runners = BuiltInRunners.All().Select(r => r.Runner).Where(r => r is not ComfyTtiRunner).Append(tti).ToList();
        var walker = new Walker(runners);
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

        // The stills came from the loopback ComfyUI: it accepted one prompt per beat, each carrying that beat's LLM-written
        // image prompt, and every beat image is byte-for-byte one of the files the server saved.
        Assert.Equal(3, _comfy.AcceptedPrompts);
        using var http = new HttpClient { BaseAddress = _comfy.BaseUri };
        var history = JsonNode.Parse(await http.GetStringAsync(new Uri("history", UriKind.Relative)))!.AsObject();
        Assert.Equal(3, history.Count);
        var submittedPrompts = new List<string>();
        var savedImages = new List<byte[]>();
        foreach (var (_, entry) in history)
        {
            var graph = entry!["prompt"]![2]!.AsObject();
            submittedPrompts.Add(graph["6"]!["inputs"]!["text"]!.GetValue<string>());
            Assert.Equal(1280, graph["5"]!["inputs"]!["width"]!.GetValue<int>());
            foreach (var image in entry["outputs"]!["9"]!["images"]!.AsArray())
            {
                savedImages.Add(_comfy.GetFile(image!["type"]!.GetValue<string>(), image["subfolder"]!.GetValue<string>(), image["filename"]!.GetValue<string>())!);
            }
        }

        Assert.Equal(imagePrompts.Order(StringComparer.Ordinal), submittedPrompts.Order(StringComparer.Ordinal));
        foreach (var beat in new[] { "beat_1", "beat_2", "beat_3" })
        {
            var still = await File.ReadAllBytesAsync(Path.Combine(_project.Path, "assets/images", beat + ".png"));
            Assert.Contains(savedImages, saved => saved.AsSpan().SequenceEqual(still));
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
}
