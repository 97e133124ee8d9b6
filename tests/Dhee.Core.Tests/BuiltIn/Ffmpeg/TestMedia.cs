using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Dhee.Tests.BuiltIn.Ffmpeg;

/// <summary>Generates small media with the real ffmpeg and inspects outputs with ffprobe, independently of the runners.</summary>
internal static class TestMedia
{
    /// <summary>The absolute path of <paramref name="relative"/> under <paramref name="root"/>, with its folder created.</summary>
    public static string PathUnder(string root, string relative)
    {
        var full = System.IO.Path.Combine(root, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        return full;
    }

    public static string Clip(string path, int width = 160, int height = 120, double seconds = 1, bool audio = true, int fps = 25, string source = "testsrc")
    {
        var separator = source.Contains('=', StringComparison.Ordinal) ? ':' : '=';
        var args = new List<string> { "-f", "lavfi", "-i", string.Create(CultureInfo.InvariantCulture, $"{source}{separator}size={width}x{height}:rate={fps}:duration={seconds}") };
        if (audio)
        {
            args.AddRange(["-f", "lavfi", "-i", string.Create(CultureInfo.InvariantCulture, $"sine=frequency=440:sample_rate=44100:duration={seconds}"), "-c:a", "aac", "-shortest"]);
        }

        args.AddRange(["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", path]);
        Run("ffmpeg", args);
        return path;
    }

    public static string Color(string path, string color, int width, int height, double seconds, bool audio = false)
        => Clip(path, width, height, seconds, audio, source: "color=c=" + color);

    public static string Image(string path, string color = "red", int width = 64, int height = 48)
    {
        Run("ffmpeg", ["-f", "lavfi", "-i", $"color=c={color}:size={width}x{height}", "-frames:v", "1", path]);
        return path;
    }

    public static string Tone(string path, double seconds)
    {
        Run("ffmpeg", ["-f", "lavfi", "-i", string.Create(CultureInfo.InvariantCulture, $"sine=frequency=330:duration={seconds}"), "-c:a", "aac", path]);
        return path;
    }

    public static JsonObject Probe(string path)
    {
        var output = Run("ffprobe", ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", path], prefix: false);
        return JsonNode.Parse(output)!.AsObject();
    }

    public static double Duration(string path)
        => double.Parse(Probe(path)["format"]!["duration"]!.GetValue<string>(), CultureInfo.InvariantCulture);

    public static JsonObject? Stream(string path, string type)
        => Probe(path)["streams"]!.AsArray().OfType<JsonObject>().FirstOrDefault(s => s["codec_type"]!.GetValue<string>() == type);

    /// <summary>Reads one RGB pixel of the frame at <paramref name="seconds"/>.</summary>
    public static (int R, int G, int B) Pixel(string path, double seconds, int x, int y)
    {
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-hide_banner", "-loglevel", "error", "-ss", seconds.ToString(CultureInfo.InvariantCulture), "-i", path, "-frames:v", "1", "-vf", $"format=rgb24,crop=1:1:{x}:{y}", "-f", "rawvideo", "-pix_fmt", "rgb24", "-" })
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        using var buffer = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(buffer);
        process.WaitForExit();
        var bytes = buffer.ToArray();
        Assert.True(bytes.Length >= 3, "ffmpeg could not read a pixel: " + process.StandardError.ReadToEnd());
        return (bytes[0], bytes[1], bytes[2]);
    }

    private static string Run(string exe, IEnumerable<string> args, bool prefix = true)
    {
        var start = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (prefix)
        {
            foreach (var a in new[] { "-hide_banner", "-loglevel", "error", "-y" })
            {
                start.ArgumentList.Add(a);
            }
        }

        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{exe} failed: {stderr}");
        return stdout.Result;
    }
}
