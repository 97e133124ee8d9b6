using System.Text.Json.Nodes;
using Dhee.BuiltIn.Ffmpeg;
using Dhee.Inputs;
using Dhee.Testing;
using static Dhee.Tests.BuiltIn.RunnerContexts;

namespace Dhee.Tests.BuiltIn.Ffmpeg;

public sealed class FfmpegKenBurnsRunnerTests : IDisposable
{
    private readonly TestProjectDirectory _project = new("dhee-kenburns");
    private readonly FfmpegKenBurnsRunner _runner = new();

    public void Dispose() => _project.Dispose();

    [Fact]
    public async Task RunAsync_ImageAndDuration_WritesClipOfSizeAndLength()
    {
        var image = TestMedia.Image(P("in/beat 1.png"), "blue", 200, 150);
        var ctx = Create(FfmpegKenBurnsRunner.Tool, _project.Path, "clips/beat_1.mp4",
            new JsonObject { ["duration"] = 1.2, ["width"] = 160, ["height"] = 90, ["fps"] = 25, ["zoomEnd"] = 1.3, ["pan"] = "right" },
            [Input("beat_image", new FileInputValue(image))]);

        var result = await _runner.RunAsync(ctx);

        Assert.True(result.IsSuccess, result.ToString());
        var video = TestMedia.Stream(ctx.OutputFullPath, "video")!;
        Assert.Equal(160, video["width"]!.GetValue<int>());
        Assert.Equal(90, video["height"]!.GetValue<int>());
        Assert.Equal("30", video["nb_frames"]!.GetValue<string>());
        Assert.InRange(TestMedia.Duration(ctx.OutputFullPath), 1.15, 1.3);
        Assert.Null(TestMedia.Stream(ctx.OutputFullPath, "audio"));
    }

    [Fact]
    public async Task RunAsync_AudioInput_SizesClipToAudioAndMuxesIt()
    {
        var image = TestMedia.Image(P("in/img.png"));
        var narration = TestMedia.Tone(P("in/narration's take.m4a"), 1.5);
        var ctx = Create(FfmpegKenBurnsRunner.Tool, _project.Path, "clips/a.mp4",
            new JsonObject { ["width"] = 128, ["height"] = 72, ["padSeconds"] = 0.5 },
            [Input("image", new FileInputValue(image)), Input("voice", new FileInputValue(narration))]);

        var result = await _runner.RunAsync(ctx);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.NotNull(TestMedia.Stream(ctx.OutputFullPath, "audio"));
        Assert.InRange(TestMedia.Duration(ctx.OutputFullPath), 1.9, 2.15);
    }

    [Fact]
    public async Task RunAsync_NoDurationAndNoAudio_FailsSayingWhatToSet()
    {
        var image = TestMedia.Image(P("in/img.png"));
        var ctx = Create(FfmpegKenBurnsRunner.Tool, _project.Path, "clips/a.mp4", inputs: [Input("image", new FileInputValue(image))]);

        var result = await _runner.RunAsync(ctx);

        Assert.False(result.IsSuccess);
        Assert.Contains("'duration'", result.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_JpegImage_Works()
    {
        var image = TestMedia.Image(P("in/photo.jpg"), "green", 96, 64);
        var ctx = Create(FfmpegKenBurnsRunner.Tool, _project.Path, "clips/j.mp4",
            new JsonObject { ["duration"] = 0.4, ["width"] = 64, ["height"] = 36, ["pan"] = "up" },
            [Input("photo", new FileInputValue(image))]);

        var result = await _runner.RunAsync(ctx);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(36, TestMedia.Stream(ctx.OutputFullPath, "video")!["height"]!.GetValue<int>());
    }

    [Fact]
    public async Task RunAsync_ImageInputIsAVideo_FailsSayingItIsNotAStill()
    {
        var video = TestMedia.Clip(P("in/v.mp4"));
        var ctx = Create(FfmpegKenBurnsRunner.Tool, _project.Path, "clips/x.mp4",
            new JsonObject { ["duration"] = 1, ["imageInput"] = "v" },
            [Input("v", new FileInputValue(video))]);

        var result = await _runner.RunAsync(ctx);

        Assert.False(result.IsSuccess);
        Assert.Contains("is not a still image", result.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Cancelled_KillsFfmpegAndLeavesNoPartialOutput()
    {
        var image = TestMedia.Image(P("in/img.png"));
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress(p =>
        {
            if (p.Fraction is > 0)
            {
                cts.Cancel();
            }
        });
        var ctx = Create(FfmpegKenBurnsRunner.Tool, _project.Path, "clips/long.mp4",
            new JsonObject { ["duration"] = 3600, ["width"] = 640, ["height"] = 360 },
            [Input("image", new FileInputValue(image))], progress: progress, cancellationToken: cts.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await _runner.RunAsync(ctx));

        Assert.True(cts.IsCancellationRequested);
        Assert.False(File.Exists(ctx.OutputFullPath));
        Assert.Empty(Directory.GetFiles(Path.Combine(_project.Path, "clips")));
    }

    [Fact]
    public void Filter_PanRight_MovesXWithFrameNumber()
    {
        var filter = FfmpegKenBurnsRunner.Filter(160, 90, 25, 50, 1, 1.2, "right");

        Assert.Contains("zoompan=z='1+(0.2)*on/49'", filter, StringComparison.Ordinal);
        Assert.Contains("x='(iw-iw/zoom)*on/49'", filter, StringComparison.Ordinal);
        Assert.Contains("d=50:s=160x90:fps=25", filter, StringComparison.Ordinal);
    }

    private string P(string relative) => TestMedia.PathUnder(_project.Path, relative);
}
