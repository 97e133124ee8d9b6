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

        var (code, output) = await RunAsync(work.Path, ["--project", project]);

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

        var (code, output) = await RunAsync(work.Path, ["--project", Path.Combine(work.Path, "out"), "--Dhee:Endpoints:local:BaseUrl", "localhost:8188"]);

        Assert.True(code == 1, output);
        Assert.Contains("Dhee:Endpoints:local:BaseUrl is 'localhost:8188'", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(work.Path, "out")));
    }

    [Fact]
    public async Task Run_InterruptedWithSigint_CancelsTheWalkAndExits130()
    {
        using var work = new TestProjectDirectory("hostapp-cancel");
        // Many large frames: far more work than can finish between the first started node and the signal.
        var shots = string.Join(",", Enumerable.Range(0, 200).Select(i => $$"""{ "id": "s{{i}}", "caption": "shot {{i}}" }"""));
        work.WriteFile("bundle/bundle.json", $$$"""
            { "id": "slow", "version": "0.1.0", "goal": "sheet",
              "inputs": [{ "id": "shots", "kind": "project", "field": "shots", "default": [{{{shots}}}] }],
              "nodes": [
                { "id": "plan", "kind": "stage", "inputs": [{ "from": "shots", "usage": "input" }], "outputs": { "format": "json", "pattern": "plan.json" },
                  "runner": { "tool": "text.template", "config": { "template": "{ \"shots\": %s }" } } },
                { "id": "frame", "kind": "collection", "itemSource": "plan", "itemKey": "shots", "inputs": [{ "from": "plan", "usage": "context", "scope": "matching" }],
                  "outputs": { "format": "image", "pattern": "frames/{{item_id}}.png" }, "runner": { "tool": "sample.pattern", "config": { "width": 2048, "height": 2048 } } },
                { "id": "sheet", "kind": "stage", "inputs": [{ "from": "frame", "usage": "aggregate", "scope": "all" }], "outputs": { "format": "markdown", "pattern": "sheet.md" },
                  "runner": { "tool": "hostapp.contact-sheet", "config": {} } }
              ] }
            """);
        var project = Path.Combine(work.Path, "out");

        var (code, output) = await RunAsync(work.Path, ["--bundle", Path.Combine(work.Path, "bundle"), "--project", project], interruptOn: "… frame[");

        Assert.True(code == 130, output);
        Assert.Contains("cancelled:", output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(project, "sheet.md")));
    }

    private static async Task<(int Code, string Output)> RunAsync(string workDir, string[] args, string? interruptOn = null)
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
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = ReadOutputAsync(process, interruptOn);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>Reads standard output; when a line contains <paramref name="interruptOn"/>, sends SIGINT (what Ctrl+C sends) once.</summary>
    private static async Task<string> ReadOutputAsync(Process process, string? interruptOn)
    {
        var text = new System.Text.StringBuilder();
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            text.AppendLine(line);
            if (interruptOn is not null && line.Contains(interruptOn, StringComparison.Ordinal))
            {
                interruptOn = null;
                using var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                await kill.WaitForExitAsync();
            }
        }

        return text.ToString();
    }
}
