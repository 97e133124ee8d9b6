using System.Diagnostics;
using Dhee.Testing;
using Dhee.Walking;
using Dhee.WalkerHost;
using Xunit.Abstractions;

namespace Dhee.Tests.Walking;

/// <summary>Kills a real walker process at random points and checks that the next walk finishes the job exactly.</summary>
public sealed class WalkerCrashResumeTests(ITestOutputHelper output)
{
    private const int Trials = 20;

    [Fact]
    public async Task KilledWalkerProcess_ResumesWithoutRerunningCompletedNodesOrCorruptOutputs()
    {
        using var root = new TestProjectDirectory("dhee-crash");

        // Reference: an uninterrupted walk in a real process, timed, so kills can land anywhere in a walk.
        var reference = Path.Combine(root.Path, "reference");
        var clock = Stopwatch.StartNew();
        var (code, text) = await RunHostAsync(reference, Path.Combine(root.Path, "reference.log"), "ref", seed: 0, killAfter: null);
        var fullRun = clock.Elapsed;
        Assert.True(code == 0, $"reference walk failed: {text}");
        var expected = Outputs(reference);
        Assert.Equal(1 + 8 + 8 + 3, expected.Count);

        var random = new Random(20261122);
        var killedMidWalk = 0;
        for (var trial = 0; trial < Trials; trial++)
        {
            var project = Path.Combine(root.Path, $"trial{trial}");
            var markers = Path.Combine(root.Path, $"trial{trial}.log");
            var killAfter = TimeSpan.FromMilliseconds(random.Next(0, (int)Math.Max(50, fullRun.TotalMilliseconds * 1.1)));

            var (firstCode, _) = await RunHostAsync(project, markers, "first", seed: trial + 1, killAfter);
            if (firstCode != 0)
            {
                killedMidWalk++;
            }

            var completedBefore = Walker.ReadState(project)
                .Where(e => e.Status == WalkStateStatus.Completed)
                .Select(e => e.ItemId is null ? e.NodeId : $"{e.NodeId}:{e.ItemId}")
                .ToHashSet(StringComparer.Ordinal);

            var (secondCode, secondText) = await RunHostAsync(project, markers, "second", seed: trial + 100, killAfter: null);
            Assert.True(secondCode == 0, $"trial {trial}: resume walk failed: {secondText}");

            var rerun = File.Exists(markers)
                ? File.ReadAllLines(markers).Where(l => l.StartsWith("second ", StringComparison.Ordinal)).Select(l => l["second ".Length..]).ToList()
                : [];
            var twice = rerun.Where(completedBefore.Contains).ToList();
            Assert.True(twice.Count == 0, $"trial {trial} (killed after {killAfter.TotalMilliseconds} ms): completed nodes ran again: {string.Join(", ", twice)}");
            Assert.Equal(rerun.Count, rerun.Distinct().Count());

            var actual = Outputs(project);
            Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
            foreach (var (path, content) in expected)
            {
                Assert.True(content == actual[path], $"trial {trial}: {path} differs: '{actual[path]}' vs '{content}'");
            }
        }

        output.WriteLine($"{Trials} trials, {killedMidWalk} killed mid-walk; uninterrupted walk took {fullRun.TotalMilliseconds:0} ms");
        Assert.True(killedMidWalk >= Trials / 4, $"only {killedMidWalk} of {Trials} kills landed mid-walk");
    }

    private static Dictionary<string, string> Outputs(string project)
    {
        var outDir = Path.Combine(project, "out");
        return Directory.EnumerateFiles(outDir, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains(".tmp-", StringComparison.Ordinal) && !System.Text.RegularExpressions.Regex.IsMatch(Path.GetFileName(f), @"\.v\d+\."))
            .ToDictionary(f => Path.GetRelativePath(project, f), f => File.ReadAllText(f).Replace(project, "<project>", StringComparison.Ordinal));
    }

    private static async Task<(int Code, string Output)> RunHostAsync(string project, string markers, string label, int seed, TimeSpan? killAfter)
    {
        var host = Path.Combine(AppContext.BaseDirectory, "Dhee.WalkerHost.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { host, project, markers, label, seed.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (killAfter is { } delay)
        {
            var exited = process.WaitForExitAsync();
            if (await Task.WhenAny(exited, Task.Delay(delay)) != exited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}

/// <summary>Checks the crash-test pipeline itself in-process, so a broken pipeline fails here rather than as a confusing crash-test failure.</summary>
public sealed class CrashTestPipelineTests
{
    [Fact]
    public async Task Walk_InProcess_Succeeds()
    {
        using var root = new TestProjectDirectory("dhee-crash-inproc");
        var result = await CrashTestPipeline.CreateWalker(Path.Combine(root.Path, "m.log"), "x", 1).WalkAsync(CrashTestPipeline.Bundle, CrashTestPipeline.Options(Path.Combine(root.Path, "p")));
        Assert.True(result.Success, result.Message);
        Assert.Equal(20, result.Completed);
    }
}
