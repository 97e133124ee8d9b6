using System.Text.Json.Nodes;
using Dhee.BuiltIn.Ffmpeg;
using Dhee.Caching;
using Dhee.Inputs;
using Dhee.Runners;
using Dhee.Testing;
using static Dhee.Tests.BuiltIn.RunnerContexts;

namespace Dhee.Tests.BuiltIn.Ffmpeg;

public sealed class FfmpegConcatRunnerTests : IDisposable
{
    private readonly TestProjectDirectory _project = new("dhee-concat");
    private readonly FfmpegConcatRunner _runner = new();

    public void Dispose() => _project.Dispose();

    [Fact]
    public async Task RunAsync_SameFormatClips_JoinsWithoutReencoding()
    {
        var a = TestMedia.Clip(P("in/a.mp4"));
        var b = TestMedia.Clip(P("in/b.mp4"));
        var ctx = Create(FfmpegConcatRunner.Tool, _project.Path, "out/final.mp4", inputs: [Input("clips", new ListInputValue([new FileInputValue(a), new FileInputValue(b)]))]);

        var result = await _runner.RunAsync(ctx);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("copy", result.Metadata["mode"]!.GetValue<string>());
        Assert.InRange(TestMedia.Duration(ctx.OutputFullPath), 1.9, 2.15);
        Assert.NotNull(TestMedia.Stream(ctx.OutputFullPath, "audio"));
        Assert.Equal(160, TestMedia.Stream(ctx.OutputFullPath, "video")!["width"]!.GetValue<int>());
    }

    [Fact]
    public async Task RunAsync_DifferentFormats_ReencodesToFirstClipInItemOrder()
    {
        // Map order is the collection's item order: the 320x240 clip is first, so the output takes its size.
        var small = TestMedia.Clip(P("in/small.mp4"), 160, 120, audio: false);
        var large = TestMedia.Clip(P("in/large.mp4"), 320, 240, audio: true);
        var clips = new MapInputValue([new("shot_1", new FileInputValue(large)), new("shot_2", new FileInputValue(small))]);
        var ctx = Create(FfmpegConcatRunner.Tool, _project.Path, "out/final.mp4", inputs: [Input("shot_video", clips)]);

        var result = await _runner.RunAsync(ctx);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("reencode", result.Metadata["mode"]!.GetValue<string>());
        var video = TestMedia.Stream(ctx.OutputFullPath, "video")!;
        Assert.Equal(320, video["width"]!.GetValue<int>());
        Assert.Equal(240, video["height"]!.GetValue<int>());
        Assert.NotNull(TestMedia.Stream(ctx.OutputFullPath, "audio"));
        Assert.InRange(TestMedia.Duration(ctx.OutputFullPath), 1.9, 2.15);
    }

    [Fact]
    public async Task RunAsync_Crossfade_ShortensByOverlaps()
    {
        var files = Enumerable.Range(0, 3).Select(i => (InputValue)new FileInputValue(TestMedia.Clip(P($"in/{i}.mp4")))).ToList();
        var ctx = Create(FfmpegConcatRunner.Tool, _project.Path, "out/x.mp4",
            new JsonObject { ["crossfade"] = 0.25, ["transition"] = "dissolve" },
            [Input("clips", new ListInputValue(files))]);

        var result = await _runner.RunAsync(ctx);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.InRange(TestMedia.Duration(ctx.OutputFullPath), 2.4, 2.65);
        Assert.NotNull(TestMedia.Stream(ctx.OutputFullPath, "audio"));
    }

    [Fact]
    public async Task RunAsync_CrossfadeLongerThanClip_FailsNamingClip()
    {
        var a = TestMedia.Clip(P("in/a.mp4"));
        var ctx = Create(FfmpegConcatRunner.Tool, _project.Path, "out/x.mp4", new JsonObject { ["crossfade"] = 1.5 },
            [Input("a", new FileInputValue(a)), Input("b", new FileInputValue(a))]);

        var result = await _runner.RunAsync(ctx);

        Assert.False(result.IsSuccess);
        Assert.Contains("crossfade", result.Error.Message, StringComparison.Ordinal);
        Assert.Contains("a.mp4", result.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Soundtrack_ReplacesClipAudioAndKeepsVideoLength()
    {
        var a = TestMedia.Clip(P("in/a.mp4"), audio: false);
        var b = TestMedia.Clip(P("in/b.mp4"), audio: false);
        var music = TestMedia.Tone(P("in/music.m4a"), 3);
        var ctx = Create(FfmpegConcatRunner.Tool, _project.Path, "out/x.mp4", new JsonObject { ["audioInput"] = "music" },
            [Input("a", new FileInputValue(a)), Input("b", new FileInputValue(b)), Input("music", new FileInputValue(music))]);

        var result = await _runner.RunAsync(ctx);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.NotNull(TestMedia.Stream(ctx.OutputFullPath, "audio"));
        Assert.InRange(TestMedia.Duration(ctx.OutputFullPath), 1.9, 2.15);
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("always")]
    public async Task RunAsync_PathsWithSpacesAndQuotes_Work(string reencode)
    {
        var a = TestMedia.Clip(P("in/my clips/it's \"one\".mp4"));
        var b = TestMedia.Clip(P("in/my clips/two; $(rm -rf x) 'b'.mp4"));
        var ctx = Create(FfmpegConcatRunner.Tool, _project.Path, "out/final cut/it's \"done\".mp4", new JsonObject { ["reencode"] = reencode },
            [Input("a", new FileInputValue(a)), Input("b", new FileInputValue(b))]);

        var result = await _runner.RunAsync(ctx);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.InRange(TestMedia.Duration(ctx.OutputFullPath), 1.9, 2.15);
    }

    [Fact]
    public async Task RunAsync_MissingClip_FailsNamingInputAndFileWithoutOutput()
    {
        var a = TestMedia.Clip(P("in/a.mp4"));
        var ctx = Create(FfmpegConcatRunner.Tool, _project.Path, "out/x.mp4",
            inputs: [Input("shots", new MapInputValue([new("s1", new FileInputValue(a)), new("s2", new FileInputValue(P("in/gone.mp4")))]))]);

        var result = await _runner.RunAsync(ctx);

        Assert.False(result.IsSuccess);
        Assert.Contains("'shots' item 's2'", result.Error.Message, StringComparison.Ordinal);
        Assert.Contains("gone.mp4", result.Error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(ctx.OutputFullPath));
    }

    [Fact]
    public async Task RunAsync_TextInput_FailsSayingItIsNotAMediaFile()
    {
        var ctx = Create(FfmpegConcatRunner.Tool, _project.Path, "out/x.mp4", inputs: [Input("plan", new TextInputValue("hello"))]);

        var result = await _runner.RunAsync(ctx);

        Assert.False(result.IsSuccess);
        Assert.Contains("'plan' is text, not a media file", result.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_FfmpegMissing_FailsWithInstallHint()
    {
        var runner = new FfmpegConcatRunner(new FfmpegOptions { FfmpegPath = P("no/ffmpeg") });
        var ctx = Create(FfmpegConcatRunner.Tool, _project.Path, "out/x.mp4");

        var result = await runner.RunAsync(ctx);

        Assert.False(result.IsSuccess);
        Assert.Contains("apt-get install -y ffmpeg", result.Error.Message, StringComparison.Ordinal);
        Assert.Contains("DHEE_FFMPEG_PATH", result.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Reencode_ReportsProgressFromFfmpeg()
    {
        var a = TestMedia.Clip(P("in/a.mp4"));
        var reports = new List<RunnerProgress>();
        var ctx = Create(FfmpegConcatRunner.Tool, _project.Path, "out/x.mp4", new JsonObject { ["reencode"] = "always" },
            [Input("a", new FileInputValue(a)), Input("b", new FileInputValue(a))], progress: new SyncProgress(reports.Add));

        var result = await _runner.RunAsync(ctx);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Contains(reports, r => r.Fraction is > 0);
        Assert.Contains(reports, r => r.Fraction == 1);
    }

    [Fact]
    public async Task RunAsync_CacheHit_RestoresWithoutRunningAgain()
    {
        var a = TestMedia.Clip(P("in/a.mp4"));
        using var cacheDir = new TestProjectDirectory("dhee-concat-cas");
        var cache = GenerationCache.Open(new GenerationCacheOptions { Root = cacheDir.Path });
        var first = Create(FfmpegConcatRunner.Tool, _project.Path, "out/1.mp4", inputs: [Input("a", new FileInputValue(a)), Input("b", new FileInputValue(a))], cache: cache);
        var second = Create(FfmpegConcatRunner.Tool, _project.Path, "out/2.mp4", inputs: [Input("a", new FileInputValue(a)), Input("b", new FileInputValue(a))], cache: cache);

        var r1 = await _runner.RunAsync(first);
        var r2 = await _runner.RunAsync(second);

        Assert.False(r1.Cached);
        Assert.True(r2.Cached);
        Assert.Equal(r1.InputsHash, r2.InputsHash);
        Assert.Equal(await File.ReadAllBytesAsync(first.OutputFullPath), await File.ReadAllBytesAsync(second.OutputFullPath));
        Assert.Equal(1, (await cache.GetStatsAsync()).EntryCount);
    }

    [Fact]
    public void Describe_ConfigSchema_IsClosedAndTyped()
    {
        var schema = _runner.Describe().ConfigSchema;

        Assert.False(schema["additionalProperties"]!.GetValue<bool>());
        Assert.Equal("number", schema["properties"]!["crossfade"]!["type"]!.GetValue<string>());
        Assert.Equal(2, schema["properties"]!["audioMode"]!["enum"]!.AsArray().Count);
    }

    private string P(string relative) => TestMedia.PathUnder(_project.Path, relative);
}

/// <summary>An <see cref="IProgress{T}"/> that reports synchronously (Progress&lt;T&gt; posts to the thread pool).</summary>
internal sealed class SyncProgress(Action<RunnerProgress> onReport) : IProgress<RunnerProgress>
{
    private readonly Lock _gate = new();

    public void Report(RunnerProgress value)
    {
        lock (_gate)
        {
            onReport(value);
        }
    }
}
