using System.Text.Json;
using Dhee.Cli.Commands;
using Dhee.Cli.Hosting;
using Dhee.Registry;
using Dhee.Testing;
using Dhee.Testing.Runners;

namespace Dhee.Tests.Commands;

public class ValidateCommandTests
{
    private static readonly string FiveProblems = CliRun.RepoPath("samples/bundles/invalid/five-problems");

    private static readonly string[] FiveCodes =
        ["bundle.goal.unknown", "bundle.from.unknown", "bundle.file.missing", "bundle.collection.pattern", "bundle.cycle"];

    /// <summary>A registry with the three tools the sample bundles use, so only the bundle's own problems show.</summary>
    private static RunnerRegistry Registry()
    {
        var registry = new RunnerRegistry();
        foreach (var tool in new[] { "llm.generate", "comfy.tti", "ffmpeg.concat" })
        {
            registry.Register(StubRunner.Manifest(tool), new StubRunner(tool));
        }

        return registry;
    }

    private static Task<CliRunResult> Validate(params string[] args) =>
        CliRun.InvokeAsync([ValidateCommand.Create(Registry)], ["validate", .. args]);

    [Fact]
    public async Task Validate_FiveProblemsSample_ReportsAllFiveInOneRun()
    {
        var result = await Validate(FiveProblems);

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        foreach (var code in FiveCodes)
        {
            Assert.Contains($"error {code}:", result.Output, StringComparison.Ordinal);
        }

        Assert.Contains("has 5 problems", result.Output, StringComparison.Ordinal);
        Assert.Contains("bundle.json:6:11: error bundle.goal.unknown", result.Output, StringComparison.Ordinal);
        Assert.Contains("at $.nodes[0].runner.config.promptTemplate", result.Output, StringComparison.Ordinal);
        Assert.Contains("fix: ", result.Output, StringComparison.Ordinal);
        Assert.Contains("final_video → shot_image → final_video", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_FiveProblemsWithJson_PrintsParsableProblemList()
    {
        var result = await Validate(FiveProblems, "--json");

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        using var doc = JsonDocument.Parse(result.Output);
        var root = doc.RootElement;
        Assert.False(root.GetProperty("ok").GetBoolean());
        Assert.Equal("five-problems", root.GetProperty("id").GetString());
        var problems = root.GetProperty("problems").EnumerateArray().ToList();
        Assert.Equal(FiveCodes, problems.Select(p => p.GetProperty("code").GetString()));
        Assert.All(problems, p =>
        {
            Assert.EndsWith("bundle.json", p.GetProperty("file").GetString(), StringComparison.Ordinal);
            Assert.True(p.GetProperty("line").GetInt32() > 0);
            Assert.True(p.GetProperty("column").GetInt32() > 0);
            Assert.StartsWith("$.", p.GetProperty("path").GetString(), StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty(p.GetProperty("fix").GetString()));
        });
    }

    [Fact]
    public async Task Validate_WithDefaultRegistry_AlsoReportsRunnersThatAreMissing()
    {
        var result = await CliRun.InvokeAsync("validate", FiveProblems, "--json");

        using var doc = JsonDocument.Parse(result.Output);
        var codes = doc.RootElement.GetProperty("problems").EnumerateArray().Select(p => p.GetProperty("code").GetString()).ToList();
        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.All(FiveCodes, code => Assert.Contains(code, codes));
        Assert.All(codes.Except(FiveCodes), code => Assert.StartsWith("registry.", code, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Validate_ValidBundle_ExitsZeroAndSaysSo()
    {
        using var dir = new TestProjectDirectory("dhee-cli");
        dir.WriteFile("bundle.json", """
            { "id": "ok", "version": "1.2.0", "goal": "b",
              "nodes": [
                { "id": "a", "outputs": { "format": "json", "pattern": "a.json" }, "runner": { "tool": "llm.generate" } },
                { "id": "b", "inputs": [ { "from": "a" } ], "outputs": { "format": "video", "pattern": "b.mp4" }, "runner": { "tool": "ffmpeg.concat" } } ] }
            """);

        var text = await Validate(dir.Path);
        var json = await Validate(dir.Path, "--json");

        Assert.Equal(ExitCodes.Ok, text.ExitCode);
        Assert.Contains("Bundle 'ok' 1.2.0 is valid: 2 nodes, goal 'b'.", text.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Ok, json.ExitCode);
        using var doc = JsonDocument.Parse(json.Output);
        Assert.True(doc.RootElement.GetProperty("ok").GetBoolean());
        Assert.Empty(doc.RootElement.GetProperty("problems").EnumerateArray());
    }

    [Fact]
    public async Task Validate_MalformedJson_ReportsLineAndColumn()
    {
        using var dir = new TestProjectDirectory("dhee-cli");
        var file = dir.WriteFile("broken.json", "{\n  \"id\": \"x\",\n  \"goal\": }\n");

        var result = await Validate(file);

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("broken.json:3:11: error bundle.json.malformed", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_MissingPath_ExitsOneWithMessage()
    {
        var result = await Validate(Path.Combine(Path.GetTempPath(), "dhee-no-such-bundle-" + Guid.NewGuid().ToString("N")));

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("error bundle.file.missing", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_WithoutArgument_IsUsageError()
    {
        var result = await Validate();

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
    }
}
