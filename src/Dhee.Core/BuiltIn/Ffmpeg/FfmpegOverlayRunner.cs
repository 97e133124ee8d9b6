using System.Globalization;
using System.Text.Json.Nodes;
using Dhee.Runners;

namespace Dhee.BuiltIn.Ffmpeg;

/// <summary><c>ffmpeg.overlay</c>: composites an image over a video at a corner, the centre or exact coordinates.</summary>
internal sealed class FfmpegOverlayRunner : FfmpegRunner
{
    /// <summary>The tool id.</summary>
    public const string Tool = "ffmpeg.overlay";

    private static readonly string[] Positions = ["top-left", "top-right", "bottom-left", "bottom-right", "center"];

    /// <summary>Initializes a new instance of the <see cref="FfmpegOverlayRunner"/> class.</summary>
    /// <param name="options">Where ffmpeg is and how to encode.</param>
    public FfmpegOverlayRunner(FfmpegOptions? options = null)
        : base(options)
    {
    }

    /// <summary>Gets the runner's registration record.</summary>
    public static RunnerManifest Manifest { get; } = CreateManifest(Tool, "Overlay image (ffmpeg)", "Composites an image over a video at a position.");

    /// <inheritdoc/>
    protected override RunnerManifest RunnerManifest => Manifest;

    /// <inheritdoc/>
    public override RunnerDescription Describe()
    {
        var properties = new JsonObject();
        properties["videoInput"] = new JsonObject { ["type"] = "string", ["description"] = "The node input holding the video (default: the first input that is a video clip)." };
        properties["imageInput"] = new JsonObject { ["type"] = "string", ["description"] = "The node input holding the image (default: the first input that is a still image)." };
        properties["position"] = new JsonObject
        {
            ["type"] = "string",
            ["enum"] = new JsonArray([.. Positions.Select(p => (JsonNode)p)]),
            ["description"] = "Where the image goes, inset by 'margin'. Ignored when x and y are set.",
            ["default"] = "bottom-right",
        };
        properties["x"] = new JsonObject { ["type"] = "integer", ["minimum"] = 0, ["description"] = "Left edge of the image in video pixels (with y, overrides position)." };
        properties["y"] = new JsonObject { ["type"] = "integer", ["minimum"] = 0, ["description"] = "Top edge of the image in video pixels (with x, overrides position)." };
        properties["margin"] = new JsonObject { ["type"] = "integer", ["minimum"] = 0, ["description"] = "Inset from the edges for corner positions, in pixels.", ["default"] = 16 };
        properties["scale"] = new JsonObject { ["type"] = "number", ["exclusiveMinimum"] = 0, ["maximum"] = 1, ["description"] = "Image width as a fraction of the video width (default: the image's own size)." };
        properties["opacity"] = new JsonObject { ["type"] = "number", ["minimum"] = 0, ["maximum"] = 1, ["description"] = "Image opacity.", ["default"] = 1 };
        properties["start"] = new JsonObject { ["type"] = "number", ["minimum"] = 0, ["description"] = "Seconds into the video when the image appears (default: from the start)." };
        properties["end"] = new JsonObject { ["type"] = "number", ["minimum"] = 0, ["description"] = "Seconds into the video when the image disappears (default: to the end)." };

        return CreateDescription(
            "Composites an image over a video at a corner, the centre or exact x/y, optionally scaled, translucent or time-limited; the video's audio is kept.",
            ["video-overlay", "picture-in-picture", "watermark"],
            [Modality.Video, Modality.Image],
            properties);
    }

    /// <inheritdoc/>
    protected override async ValueTask<RunnerResult> RunCoreAsync(RunnerContext context, FfmpegTools tools)
    {
        var config = context.Config;
        var node = $"node '{context.Node.Id}' ({Tool})";
        var position = ConfigReader.GetEnum(config, "position", Positions) ?? "bottom-right";
        var x = ConfigReader.GetInt(config, "x");
        var y = ConfigReader.GetInt(config, "y");
        var margin = ConfigReader.GetInt(config, "margin") ?? 16;
        var scale = ConfigReader.GetDouble(config, "scale");
        var opacity = ConfigReader.GetDouble(config, "opacity") ?? 1;
        var start = ConfigReader.GetDouble(config, "start");
        var end = ConfigReader.GetDouble(config, "end");
        var forceRerun = ConfigReader.GetBool(config, "forceRerun") ?? false;
        var videoInput = ConfigReader.GetString(config, "videoInput");
        var imageInput = ConfigReader.GetString(config, "imageInput");

        if ((x is null) != (y is null))
        {
            return RunnerResult.Failure($"{node}: set both x and y, or neither (and use position)");
        }

        if (start is not null && end is not null && end <= start)
        {
            return RunnerResult.Failure($"{node}: end ({Num(end.Value)}s) must be after start ({Num(start.Value)}s)");
        }

        var (files, infos, failure) = await PrepareInputsAsync(context, tools, videoInput, imageInput).ConfigureAwait(false);
        if (failure is not null)
        {
            return failure;
        }

        var videoIndex = videoInput is not null ? files.FindIndex(f => f.InputName == videoInput) : infos.FindIndex(i => i.IsVideoClip);
        var imageIndex = imageInput is not null ? files.FindIndex(f => f.InputName == imageInput) : infos.FindIndex(i => i.IsStillImage);
        if (videoIndex < 0 || infos[videoIndex].Video is null || infos[videoIndex].DurationSeconds is null)
        {
            return RunnerResult.Failure($"{node}: no video clip among the inputs ({string.Join(", ", files.Select(f => f.Describe()))}); connect a video input or set videoInput");
        }

        if (imageIndex < 0 || imageIndex == videoIndex || infos[imageIndex].Video is null)
        {
            return RunnerResult.Failure($"{node}: no image among the inputs ({string.Join(", ", files.Select(f => f.Describe()))}); connect an image input or set imageInput");
        }

        var video = infos[videoIndex];
        var duration = video.DurationSeconds!.Value;
        var settings = new JsonObject
        {
            ["position"] = x is null ? position : null,
            ["x"] = x,
            ["y"] = y,
            ["margin"] = margin,
            ["scale"] = scale,
            ["opacity"] = opacity,
            ["start"] = start,
            ["end"] = end,
        };
        var key = CacheKey(context, [files[videoIndex], files[imageIndex]], settings);

        return await CachedFileOutput.RunAsync(context, key, forceRerun, async (temp, metadata, cancellationToken) =>
        {
            metadata["durationSeconds"] = Math.Round(duration, 3);
            metadata["width"] = video.Video!.Width;
            metadata["height"] = video.Video.Height;

            var image = "[1:v]format=rgba";
            if (scale is not null)
            {
                var target = Math.Max(2, (int)Math.Round(video.Video.Width * scale.Value / 2) * 2);
                image += string.Create(CultureInfo.InvariantCulture, $",scale={target}:-2");
            }

            if (opacity < 1)
            {
                image += $",colorchannelmixer=aa={Num(opacity)}";
            }

            var (ox, oy) = x is not null
                ? (x.Value.ToString(CultureInfo.InvariantCulture), y!.Value.ToString(CultureInfo.InvariantCulture))
                : position switch
                {
                    "top-left" => ($"{margin}", $"{margin}"),
                    "top-right" => ($"W-w-{margin}", $"{margin}"),
                    "bottom-left" => ($"{margin}", $"H-h-{margin}"),
                    "center" => ("(W-w)/2", "(H-h)/2"),
                    _ => ($"W-w-{margin}", $"H-h-{margin}"),
                };
            var enable = start is null && end is null
                ? string.Empty
                : $":enable='between(t,{Num(start ?? 0)},{Num(end ?? duration + 1)})'";
            var graph = $"{image}[ov];[0:v][ov]overlay=x={ox}:y={oy}:eof_action=repeat{enable},format=yuv420p[v]";

            var arguments = new List<string> { "-i", files[videoIndex].Path, "-i", files[imageIndex].Path, "-filter_complex", graph, "-map", "[v]" };
            if (video.Audio is not null)
            {
                arguments.AddRange(["-map", "0:a:0", "-c:a", "copy"]);
            }

            arguments.AddRange(VideoEncodeArguments());
            arguments.AddRange(["-t", Num(duration), "-movflags", "+faststart", temp]);
            return await RunFfmpegAsync(context, tools, arguments, duration).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }
}
