using System.Globalization;
using System.Text.Json.Nodes;
using Dhee.Runners;

namespace Dhee.BuiltIn.Ffmpeg;

/// <summary>
/// <c>ffmpeg.kenburns</c>: turns a still image into a clip with a slow zoom and optional pan, lasting a fixed duration or
/// as long as an audio input (which is muxed in).
/// </summary>
internal sealed class FfmpegKenBurnsRunner : FfmpegRunner
{
    /// <summary>The tool id.</summary>
    public const string Tool = "ffmpeg.kenburns";

    /// <summary>Initializes a new instance of the <see cref="FfmpegKenBurnsRunner"/> class.</summary>
    /// <param name="options">Where ffmpeg is and how to encode.</param>
    public FfmpegKenBurnsRunner(FfmpegOptions? options = null)
        : base(options)
    {
    }

    /// <summary>Gets the runner's registration record.</summary>
    public static RunnerManifest Manifest { get; } = CreateManifest(Tool, "Ken Burns clip (ffmpeg)", "Zooms and pans over a still image for a duration or the length of an audio input.");

    /// <inheritdoc/>
    protected override RunnerManifest RunnerManifest => Manifest;

    /// <inheritdoc/>
    public override RunnerDescription Describe()
    {
        var properties = new JsonObject();
        properties["duration"] = new JsonObject { ["type"] = "number", ["exclusiveMinimum"] = 0, ["maximum"] = 3600, ["description"] = "Clip length in seconds. Required unless an audio input sets the length." };
        properties["imageInput"] = new JsonObject { ["type"] = "string", ["description"] = "The node input holding the image (default: the first input that is a still image)." };
        properties["audioInput"] = new JsonObject { ["type"] = "string", ["description"] = "The node input holding narration audio (default: the first input that is audio only). The clip lasts as long as the audio plus padSeconds." };
        properties["padSeconds"] = new JsonObject { ["type"] = "number", ["minimum"] = 0, ["maximum"] = 60, ["description"] = "Silence added after the audio.", ["default"] = 0 };
        properties["width"] = new JsonObject { ["type"] = "integer", ["minimum"] = 16, ["maximum"] = 8192, ["description"] = "Output width in pixels (even).", ["default"] = 1280 };
        properties["height"] = new JsonObject { ["type"] = "integer", ["minimum"] = 16, ["maximum"] = 8192, ["description"] = "Output height in pixels (even).", ["default"] = 720 };
        properties["fps"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["maximum"] = 120, ["description"] = "Frame rate.", ["default"] = 25 };
        properties["zoomStart"] = new JsonObject { ["type"] = "number", ["minimum"] = 1, ["maximum"] = 5, ["description"] = "Zoom factor at the start.", ["default"] = 1.0 };
        properties["zoomEnd"] = new JsonObject { ["type"] = "number", ["minimum"] = 1, ["maximum"] = 5, ["description"] = "Zoom factor at the end (smaller than zoomStart zooms out).", ["default"] = 1.15 };
        properties["pan"] = new JsonObject
        {
            ["type"] = "string",
            ["enum"] = new JsonArray("none", "left", "right", "up", "down"),
            ["description"] = "Direction the view travels while zoomed (needs a zoom above 1).",
            ["default"] = "none",
        };

        return CreateDescription(
            "Turns a still image into a zoom/pan video clip lasting 'duration' seconds or the length of an audio input, which is muxed in.",
            ["image-to-video", "ken-burns", "audio-mux"],
            [Modality.Image, Modality.Audio],
            properties);
    }

    /// <inheritdoc/>
    protected override async ValueTask<RunnerResult> RunCoreAsync(RunnerContext context, FfmpegTools tools)
    {
        var config = context.Config;
        var node = $"node '{context.Node.Id}' ({Tool})";
        var width = Even(ConfigReader.GetInt(config, "width") ?? 1280);
        var height = Even(ConfigReader.GetInt(config, "height") ?? 720);
        var fps = ConfigReader.GetInt(config, "fps") ?? 25;
        var zoomStart = ConfigReader.GetDouble(config, "zoomStart") ?? 1.0;
        var zoomEnd = ConfigReader.GetDouble(config, "zoomEnd") ?? 1.15;
        var pan = ConfigReader.GetEnum(config, "pan", "none", "left", "right", "up", "down") ?? "none";
        var padSeconds = ConfigReader.GetDouble(config, "padSeconds") ?? 0;
        var forceRerun = ConfigReader.GetBool(config, "forceRerun") ?? false;
        var imageInput = ConfigReader.GetString(config, "imageInput");
        var audioInput = ConfigReader.GetString(config, "audioInput");

        var (files, infos, failure) = await PrepareInputsAsync(context, tools, imageInput, audioInput).ConfigureAwait(false);
        if (failure is not null)
        {
            return failure;
        }

        var imageIndex = imageInput is not null
            ? files.FindIndex(f => f.InputName == imageInput)
            : infos.FindIndex(i => i.IsStillImage);
        if (imageIndex < 0)
        {
            return RunnerResult.Failure($"{node}: no still image among the inputs ({string.Join(", ", files.Select(f => f.Describe()))}); connect an image input or set imageInput");
        }

        if (!infos[imageIndex].IsStillImage)
        {
            return RunnerResult.Failure($"{node}: {files[imageIndex].Describe()} is not a still image (PNG, JPEG, WebP…); ken burns animates a single picture");
        }

        var audioIndex = audioInput is not null
            ? files.FindIndex(f => f.InputName == audioInput)
            : infos.FindIndex(i => i.IsAudioOnly);
        if (audioIndex >= 0 && infos[audioIndex].Audio is null)
        {
            return RunnerResult.Failure($"{node}: {files[audioIndex].Describe()} (audioInput) has no audio stream");
        }

        double duration;
        if (audioIndex >= 0)
        {
            if (infos[audioIndex].DurationSeconds is not { } audioSeconds)
            {
                return RunnerResult.Failure($"{node}: ffprobe reports no duration for {files[audioIndex].Describe()}; re-export the audio as WAV, MP3 or AAC");
            }

            duration = audioSeconds + padSeconds;
        }
        else if (ConfigReader.GetDouble(config, "duration") is { } configured)
        {
            duration = configured;
        }
        else
        {
            return RunnerResult.Failure($"{node}: set config 'duration' (seconds) or connect an audio input to size the clip");
        }

        var frames = Math.Max(1, (int)Math.Round(duration * fps));
        var used = audioIndex >= 0 ? new List<FfmpegInputFile> { files[imageIndex], files[audioIndex] } : [files[imageIndex]];
        var settings = new JsonObject
        {
            ["width"] = width,
            ["height"] = height,
            ["fps"] = fps,
            ["frames"] = frames,
            ["zoomStart"] = zoomStart,
            ["zoomEnd"] = zoomEnd,
            ["pan"] = pan,
            ["padSeconds"] = padSeconds,
            ["hasAudio"] = audioIndex >= 0,
        };
        var key = CacheKey(context, used, settings);

        return await CachedFileOutput.RunAsync(context, key, forceRerun, async (temp, metadata, cancellationToken) =>
        {
            metadata["durationSeconds"] = Math.Round(frames / (double)fps, 3);
            metadata["width"] = width;
            metadata["height"] = height;
            var arguments = new List<string> { "-i", files[imageIndex].Path };
            if (audioIndex >= 0)
            {
                arguments.AddRange(["-i", files[audioIndex].Path]);
            }

            var graph = string.Create(CultureInfo.InvariantCulture, $"[0:v]{Filter(width, height, fps, frames, zoomStart, zoomEnd, pan)}[v]");
            if (audioIndex >= 0)
            {
                graph += ";[1:a]aresample=48000,apad[a]";
            }

            arguments.AddRange(["-filter_complex", graph, "-map", "[v]"]);
            if (audioIndex >= 0)
            {
                arguments.AddRange(["-map", "[a]"]);
                arguments.AddRange(AudioEncodeArguments());
            }

            arguments.AddRange(VideoEncodeArguments());
            arguments.AddRange(["-r", fps.ToString(CultureInfo.InvariantCulture), "-frames:v", frames.ToString(CultureInfo.InvariantCulture)]);
            arguments.AddRange(["-t", Num(frames / (double)fps), "-movflags", "+faststart", temp]);
            return await RunFfmpegAsync(context, tools, arguments, frames / (double)fps).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    /// <summary>The zoompan filter chain for a still image.</summary>
    /// <param name="width">Output width.</param>
    /// <param name="height">Output height.</param>
    /// <param name="fps">Frame rate.</param>
    /// <param name="frames">Number of frames.</param>
    /// <param name="zoomStart">Zoom at the first frame.</param>
    /// <param name="zoomEnd">Zoom at the last frame.</param>
    /// <param name="pan">Pan direction.</param>
    /// <returns>The filter chain.</returns>
    internal static string Filter(int width, int height, int fps, int frames, double zoomStart, double zoomEnd, string pan)
    {
        // Work on a canvas twice the output size so sub-pixel zoom steps do not jitter.
        var span = Math.Max(1, frames - 1);
        var zoom = $"{Num(zoomStart)}+({Num(zoomEnd - zoomStart)})*on/{span}";
        const string CenterX = "iw/2-(iw/zoom/2)";
        const string CenterY = "ih/2-(ih/zoom/2)";
        var (x, y) = pan switch
        {
            "right" => ($"(iw-iw/zoom)*on/{span}", CenterY),
            "left" => ($"(iw-iw/zoom)*(1-on/{span})", CenterY),
            "down" => (CenterX, $"(ih-ih/zoom)*on/{span}"),
            "up" => (CenterX, $"(ih-ih/zoom)*(1-on/{span})"),
            _ => (CenterX, CenterY),
        };
        return string.Create(
            CultureInfo.InvariantCulture,
            $"scale={width * 2}:{height * 2}:force_original_aspect_ratio=increase,crop={width * 2}:{height * 2},setsar=1,zoompan=z='{zoom}':x='{x}':y='{y}':d={frames}:s={width}x{height}:fps={fps},format=yuv420p");
    }
}
