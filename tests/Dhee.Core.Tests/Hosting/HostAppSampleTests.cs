using System.Diagnostics;
using System.Reflection;
using Dhee.Testing;

namespace Dhee.Tests.Hosting;

/// <summary>Runs samples/Dhee.Samples.HostApp as a real process, as a user would.</summary>
public sealed class HostAppSampleTests
{
    private static readonly string App = typeof(HostAppSampleTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "HostAppSample").Value!;

    [Fact]
    public async Task Run_DefaultBundle_WalksWithPluginAndHostRunnerAndExitsZero()
    {
        using var work = new TestProjectDirectory("hostapp");
        var project = Path.Combine(work.Path, "out");

        var (code, output) = await RunAsync(work.Path, "--project", project);

        Assert.True(code == 0, output);
        Assert.Contains("✓ frame[dawn] done", output, StringComparison.Ordinal);
        Assert.Contains("succeeded:", output, StringComparison.Ordinal);
        var sheet = await File.ReadAllTextAsync(Path.Combine(project, "sheet.md"));
        foreach (var shot in new[] { "dawn", "market", "night" })
        {
            Assert.Contains($"![{shot}](frames/{shot}.png)", sheet, StringComparison.Ordinal);
            Assert.True(new FileInfo(Path.Combine(project, "frames", shot + ".png")).Length > 0);
        }
    }

    [Fact]
    public async Task Run_InvalidEndpointSetting_ExitsOneNamingTheSetting()
    {
        using var work = new TestProjectDirectory("hostapp-invalid");

        var (code, output) = await RunAsync(work.Path, "--project", Path.Combine(work.Path, "out"), "--Dhee:Endpoints:local:BaseUrl", "localhost:8188");

        Assert.True(code == 1, output);
        Assert.Contains("Dhee:Endpoints:local:BaseUrl is 'localhost:8188'", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(work.Path, "out")));
    }

    private static async Task<(int Code, string Output)> RunAsync(string workDir, params string[] args)
    {
        Assert.True(File.Exists(App), $"the host sample is not built at {App}");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workDir };
        info.ArgumentList.Add(App);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DHEE_CACHE_ROOT"] = Path.Combine(workDir, "cache");
        info.Environment.Remove("DHEE_RUNNERS_DIR");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
