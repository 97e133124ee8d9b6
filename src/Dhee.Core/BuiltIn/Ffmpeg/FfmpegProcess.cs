using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Dhee.BuiltIn.Ffmpeg;

/// <summary>The outcome of one ffmpeg or ffprobe process.</summary>
/// <param name="ExitCode">The process exit code.</param>
/// <param name="StandardOutput">Standard output (empty when it was parsed as progress).</param>
/// <param name="ErrorTail">The last lines of standard error, for failure messages.</param>
internal sealed record FfmpegProcessResult(int ExitCode, string StandardOutput, string ErrorTail);

/// <summary>
/// Runs ffmpeg and ffprobe as child processes: arguments as a list (never through a shell, so any path is safe), progress
/// parsed from <c>-progress pipe:1</c>, and cancellation that kills the whole process tree.
/// </summary>
internal static class FfmpegProcess
{
    private const int ErrorTailLines = 25;

    /// <summary>Runs ffmpeg with <c>-progress pipe:1</c> and reports the fraction of <paramref name="expectedSeconds"/> done.</summary>
    /// <param name="ffmpeg">The ffmpeg executable.</param>
    /// <param name="arguments">The arguments after the common ones (<c>-hide_banner -nostdin -y -loglevel error -progress pipe:1 -nostats</c>).</param>
    /// <param name="expectedSeconds">The expected output duration, for the progress fraction; null when unknown.</param>
    /// <param name="progress">Receives the fraction done (0..1, or null when unknown) and a status line.</param>
    /// <param name="cancellationToken">Kills ffmpeg and its children when cancelled.</param>
    /// <returns>The exit code and the tail of standard error.</returns>
    public static Task<FfmpegProcessResult> RunFfmpegAsync(string ffmpeg, IEnumerable<string> arguments, double? expectedSeconds, Action<double?, string>? progress, CancellationToken cancellationToken)
    {
        string[] common = ["-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-progress", "pipe:1", "-nostats"];
        return RunAsync(ffmpeg, [.. common, .. arguments], line => OnProgressLine(line, expectedSeconds, progress), cancellationToken);
    }

    /// <summary>Runs a process to completion and captures its output.</summary>
    /// <param name="executable">The executable.</param>
    /// <param name="arguments">Its arguments, passed as a list.</param>
    /// <param name="onOutputLine">Consumes standard output line by line instead of capturing it, or null to capture.</param>
    /// <param name="cancellationToken">Kills the process tree when cancelled.</param>
    /// <returns>The exit code and output.</returns>
    public static async Task<FfmpegProcessResult> RunAsync(string executable, IEnumerable<string> arguments, Action<string>? onOutputLine, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var start = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = start };
        process.Start();
        process.StandardInput.Close();

        var output = new StringBuilder();
        var errorTail = new Queue<string>();
        var stdout = PumpAsync(process.StandardOutput, line =>
        {
            if (onOutputLine is null)
            {
                output.AppendLine(line);
            }
            else
            {
                onOutputLine(line);
            }
        });
        var stderr = PumpAsync(process.StandardError, line =>
        {
            lock (errorTail)
            {
                errorTail.Enqueue(line);
                if (errorTail.Count > ErrorTailLines)
                {
                    errorTail.Dequeue();
                }
            }
        });

        using (cancellationToken.Register(() => Kill(process)))
        {
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            await Task.WhenAll(stdout, stderr).ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
        string tail;
        lock (errorTail)
        {
            tail = string.Join('\n', errorTail).Trim();
        }

        return new FfmpegProcessResult(process.ExitCode, output.ToString(), tail);
    }

    /// <summary>Parses one <c>-progress</c> line (<c>key=value</c>) and reports progress for the time keys.</summary>
    /// <param name="line">The line.</param>
    /// <param name="expectedSeconds">The expected output duration, or null.</param>
    /// <param name="progress">The sink.</param>
    internal static void OnProgressLine(string line, double? expectedSeconds, Action<double?, string>? progress)
    {
        if (progress is null)
        {
            return;
        }

        var equals = line.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            return;
        }

        var key = line[..equals].Trim();
        var value = line[(equals + 1)..].Trim();
        if (key == "out_time_us" && long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var micros) && micros >= 0)
        {
            var seconds = micros / 1_000_000d;
            double? fraction = expectedSeconds is > 0 ? Math.Clamp(seconds / expectedSeconds.Value, 0, 1) : null;
            progress(fraction, string.Create(CultureInfo.InvariantCulture, $"encoded {seconds:0.0}s") + (expectedSeconds is > 0 ? string.Create(CultureInfo.InvariantCulture, $" of {expectedSeconds:0.0}s") : string.Empty));
        }
        else if (key == "progress" && value == "end")
        {
            progress(1, "encoding finished");
        }
    }

    private static async Task PumpAsync(StreamReader reader, Action<string> onLine)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            onLine(line);
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Exiting while we tried to kill it.
        }
    }
}
