using Dhee.BuiltIn.Ffmpeg;

namespace Dhee.Tests.BuiltIn.Ffmpeg;

public class FfmpegProcessTests
{
    [Fact]
    public void OnProgressLine_OutTime_ReportsFractionOfExpected()
    {
        var reports = new List<(double? Fraction, string Message)>();

        FfmpegProcess.OnProgressLine("frame=10", 4, (f, m) => reports.Add((f, m)));
        FfmpegProcess.OnProgressLine("out_time_us=1000000", 4, (f, m) => reports.Add((f, m)));
        FfmpegProcess.OnProgressLine("out_time_us=N/A", 4, (f, m) => reports.Add((f, m)));
        FfmpegProcess.OnProgressLine("out_time_us=9000000", 4, (f, m) => reports.Add((f, m)));
        FfmpegProcess.OnProgressLine("progress=end", 4, (f, m) => reports.Add((f, m)));

        Assert.Equal([0.25, 1.0, 1.0], reports.Select(r => r.Fraction));
        Assert.Equal("encoded 1.0s of 4.0s", reports[0].Message);
    }

    [Fact]
    public void OnProgressLine_UnknownLength_ReportsNullFraction()
    {
        double? fraction = -1;

        FfmpegProcess.OnProgressLine("out_time_us=500000", null, (f, _) => fraction = f);

        Assert.Null(fraction);
    }

    [Fact]
    public async Task RunAsync_Cancelled_KillsTheWholeProcessTree()
    {
        using var cts = new CancellationTokenSource();
        var childPid = 0;

        // A shell that starts a grandchild and waits: cancelling must take both down, not just the shell.
        var run = FfmpegProcess.RunAsync(
            "/bin/sh",
            ["-c", "sleep 300 & echo $!; wait"],
            line =>
            {
                if (int.TryParse(line, out var pid))
                {
                    childPid = pid;
                    cts.Cancel();
                }
            },
            cts.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.NotEqual(0, childPid);
        Assert.True(await ExitsAsync(childPid), $"grandchild {childPid} is still running");
    }

    private static async Task<bool> ExitsAsync(int pid)
    {
        // Bounded wait for the kernel to reap the process; not a timing assertion.
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(pid);
                if (process.HasExited)
                {
                    return true;
                }
            }
            catch (ArgumentException)
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }
}
