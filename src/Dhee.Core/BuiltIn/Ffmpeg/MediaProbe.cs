using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dhee.BuiltIn.Ffmpeg;

/// <summary>Reads durations, sizes and streams of media files with ffprobe.</summary>
internal static class MediaProbe
{
    /// <summary>Probes <paramref name="path"/>.</summary>
    /// <param name="ffprobe">The ffprobe executable.</param>
    /// <param name="path">The media file.</param>
    /// <param name="cancellationToken">Kills ffprobe when cancelled.</param>
    /// <returns>The media facts, or an error message naming the file when ffprobe cannot read it.</returns>
    public static async Task<(MediaInfo? Info, string? Error)> ProbeAsync(string ffprobe, string path, CancellationToken cancellationToken)
    {
        var result = await FfmpegProcess.RunAsync(
            ffprobe,
            ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", path],
            onOutputLine: null,
            cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            return (null, $"ffprobe cannot read '{path}' (exit code {result.ExitCode}): {Summarize(result.ErrorTail)}. Check that the file is a complete image, audio or video file.");
        }

        try
        {
            return (Parse(path, JsonNode.Parse(result.StandardOutput)?.AsObject() ?? []), null);
        }
        catch (JsonException ex)
        {
            return (null, $"ffprobe printed unreadable output for '{path}': {ex.Message}");
        }
    }

    /// <summary>Builds <see cref="MediaInfo"/> from ffprobe's JSON.</summary>
    /// <param name="path">The probed file.</param>
    /// <param name="json">The output of <c>ffprobe -print_format json -show_format -show_streams</c>.</param>
    /// <returns>The media facts.</returns>
    internal static MediaInfo Parse(string path, JsonObject json)
    {
        var format = json["format"] as JsonObject;
        VideoStreamInfo? video = null;
        AudioStreamInfo? audio = null;
        double? streamDuration = null;
        foreach (var stream in (json["streams"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var type = Str(stream, "codec_type");
            if (type == "video" && video is null)
            {
                var attached = stream["disposition"]?["attached_pic"]?.GetValueKind() == JsonValueKind.Number
                    && stream["disposition"]!["attached_pic"]!.GetValue<int>() == 1;
                video = new VideoStreamInfo(
                    Str(stream, "codec_name") ?? "unknown",
                    Int(stream, "width") ?? 0,
                    Int(stream, "height") ?? 0,
                    Str(stream, "pix_fmt"),
                    Str(stream, "avg_frame_rate") is { } avg && avg != "0/0" ? avg : Str(stream, "r_frame_rate"),
                    attached);
                streamDuration ??= Seconds(Str(stream, "duration"));
            }
            else if (type == "audio" && audio is null)
            {
                audio = new AudioStreamInfo(
                    Str(stream, "codec_name") ?? "unknown",
                    int.TryParse(Str(stream, "sample_rate"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var rate) ? rate : 0,
                    Int(stream, "channels") ?? 0);
                streamDuration ??= Seconds(Str(stream, "duration"));
            }
        }

        var duration = Seconds(format is null ? null : Str(format, "duration")) ?? streamDuration;
        return new MediaInfo(path, (format is null ? null : Str(format, "format_name")) ?? string.Empty, duration, video, audio);
    }

    private static string? Str(JsonObject obj, string name)
        => obj[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static int? Int(JsonObject obj, string name)
        => obj[name] is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<int>() : null;

    private static double? Seconds(string? text)
        => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0 ? s : null;

    private static string Summarize(string errorTail) => errorTail.Length == 0 ? "no error output" : errorTail.Replace('\n', ' ');
}
