using System.Diagnostics.CodeAnalysis;

namespace Dhee.BuiltIn.Ffmpeg;

/// <summary>The located ffmpeg and ffprobe executables.</summary>
/// <param name="Ffmpeg">The ffmpeg executable's path.</param>
/// <param name="Ffprobe">The ffprobe executable's path.</param>
internal sealed record FfmpegTools(string Ffmpeg, string Ffprobe)
{
    /// <summary>The environment variable that overrides the ffmpeg executable.</summary>
    public const string FfmpegEnvironmentVariable = "DHEE_FFMPEG_PATH";

    /// <summary>The environment variable that overrides the ffprobe executable.</summary>
    public const string FfprobeEnvironmentVariable = "DHEE_FFPROBE_PATH";

    private const string InstallHint =
        "Install ffmpeg (Debian/Ubuntu: 'sudo apt-get install -y ffmpeg'; macOS: 'brew install ffmpeg'; Windows: 'winget install ffmpeg'), "
        + "or point " + FfmpegEnvironmentVariable + " and " + FfprobeEnvironmentVariable + " (or FfmpegOptions) at the executables.";

    /// <summary>Finds ffmpeg and ffprobe: options first, then the environment variables, then the <c>PATH</c>.</summary>
    /// <param name="options">The configured paths, if any.</param>
    /// <param name="tools">The executables, on success.</param>
    /// <param name="error">An actionable message saying what is missing and how to install it, on failure.</param>
    /// <returns>True when both executables were found.</returns>
    public static bool TryLocate(FfmpegOptions options, [NotNullWhen(true)] out FfmpegTools? tools, [NotNullWhen(false)] out string? error)
    {
        tools = null;
        if (!TryFind("ffmpeg", options.FfmpegPath, FfmpegEnvironmentVariable, null, out var ffmpeg, out error))
        {
            return false;
        }

        if (!TryFind("ffprobe", options.FfprobePath, FfprobeEnvironmentVariable, Path.GetDirectoryName(ffmpeg), out var ffprobe, out error))
        {
            return false;
        }

        tools = new FfmpegTools(ffmpeg, ffprobe);
        return true;
    }

    private static bool TryFind(string name, string? configured, string variable, string? siblingFolder, [NotNullWhen(true)] out string? path, [NotNullWhen(false)] out string? error)
    {
        path = null;
        error = null;
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Check(configured.Trim(), $"the configured {name} path", out path, out error);
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return Check(fromEnvironment.Trim(), $"{variable}", out path, out error);
        }

        if (siblingFolder is not null && FindIn(siblingFolder, name) is { } sibling)
        {
            path = sibling;
            return true;
        }

        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (FindIn(folder, name) is { } found)
            {
                path = found;
                return true;
            }
        }

        error = $"{name} was not found on the PATH. {InstallHint}";
        return false;
    }

    private static bool Check(string candidate, string source, [NotNullWhen(true)] out string? path, [NotNullWhen(false)] out string? error)
    {
        if (File.Exists(candidate))
        {
            path = Path.GetFullPath(candidate);
            error = null;
            return true;
        }

        path = null;
        error = $"{source} is '{candidate}', but no file exists there. {InstallHint}";
        return false;
    }

    private static string? FindIn(string folder, string name)
    {
        foreach (var file in OperatingSystem.IsWindows() ? [name + ".exe", name] : new[] { name })
        {
            var candidate = Path.Combine(folder, file);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
