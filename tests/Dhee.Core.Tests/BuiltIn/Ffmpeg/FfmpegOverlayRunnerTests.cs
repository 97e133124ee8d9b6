using System.Text.Json.Nodes;
using Dhee.BuiltIn.Ffmpeg;
using Dhee.Inputs;
using Dhee.Testing;
using static Dhee.Tests.BuiltIn.RunnerContexts;

namespace Dhee.Tests.BuiltIn.Ffmpeg;

public sealed class FfmpegOverlayRunnerTests : IDisposable
{
    private readonly TestProjectDirectory _project = new("dhee-overlay");
    private readonly FfmpegOverlayRunner _runner = new();

    public void Dispose() => _project.Dispose();

    [Fact]
    public async Task RunAsync_TopLeft_PlacesImageAtMarginAndKeepsVideo()
    {
        var video = TestMedia.Color(P("in/bg.mp4"), "black", 320, 240, 1, audio: true);
        var logo = TestMedia.Image(P("in/logo \"v2\".png"), "red", 64, 48);
        var ctx = Create(FfmpegOverlayRunner.Tool, _project.Path, "out/o.mp4",
            new JsonObject { ["position"] = "top-left", ["margin"] = 10 },
            [Input("video", new FileInputValue(video)), Input("logo", new FileInputValue(logo))]);

        var result = await _runner.RunAsync(ctx);

        Assert.True(result.IsSuccess, result.ToString());
        var stream = TestMedia.Stream(ctx.OutputFullPath, "video")!;
        Assert.Equal(320, stream["width"]!.GetValue<int>());
        Assert.NotNull(TestMedia.Stream(ctx.OutputFullPath, "audio"));
        Assert.InRange(TestMedia.Duration(ctx.OutputFullPath), 0.95, 1.1);
        var inside = TestMedia.Pixel(ctx.OutputFullPath, 0.5, 40, 30);
        var outside = TestMedia.Pixel(ctx.OutputFullPath, 0.5, 300, 220);
        Assert.True(inside.R > 180 && inside.G < 80, $"expected red inside the overlay, got {inside}");
        Assert.True(outside.R < 40 && outside.G < 40, $"expected black outside the overlay, got {outside}");
    }

    [Fact]
    public async Task RunAsync_ExactXY_OverridesPosition()
    {
        var video = TestMedia.Color(P("in/bg.mp4"), "black", 320, 240, 1);
        var logo = TestMedia.Image(P("in/logo.png"), "white", 32, 32);
        var ctx = Create(FfmpegOverlayRunner.Tool, _project.Path, "out/o.mp4",
            new JsonObject { ["x"] = 200, ["y"] = 100, ["position"] = "top-left" },
            [Input("video", new FileInputValue(video)), Input("logo", new FileInputValue(logo))]);

        var result = await _runner.RunAsync(ctx);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.True(TestMedia.Pixel(ctx.OutputFullPath, 0.5, 215, 115).G > 180);
        Assert.True(TestMedia.Pixel(ctx.OutputFullPath, 0.5, 20, 20).G < 40);
    }

    [Fact]
    public async Task RunAsync_NoImage_FailsListingInputs()
    {
        var video = TestMedia.Clip(P("in/v.mp4"));
        var ctx = Create(FfmpegOverlayRunner.Tool, _project.Path, "out/o.mp4", inputs: [Input("video", new FileInputValue(video))]);

        var result = await _runner.RunAsync(ctx);

        Assert.False(result.IsSuccess);
        Assert.Contains("no image among the inputs", result.Error.Message, StringComparison.Ordinal);
    }

    private string P(string relative) => TestMedia.PathUnder(_project.Path, relative);
}
