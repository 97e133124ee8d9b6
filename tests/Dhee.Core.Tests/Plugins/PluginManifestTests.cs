using Dhee.Errors;
using Dhee.Plugins;
using Dhee.Testing;

namespace Dhee.Tests.Plugins;

public class PluginManifestTests
{
    private const string Valid = """
        {
          "id": "Dhee.Runner.Sample",
          "version": "1.2.0",
          "engineCompat": "^0.1.0",
          "entry": "Dhee.Runner.Sample.dll",
          "runners": [ { "tool": "sample.pattern", "displayName": "Pattern", "credentials": ["SAMPLE_KEY"] } ],
          "credentials": ["SHARED_KEY"],
          "permissions": { "network": ["api.example.com"], "fileSystem": "project", "subprocess": false, "env": ["SAMPLE_KEY"] }
        }
        """;

    [Fact]
    public void TryParse_ValidManifest_BuildsRunnerManifests()
    {
        Assert.True(PluginManifest.TryParse(Valid, "runner.json", out var manifest, out var problems), string.Join("\n", problems));

        var runner = Assert.Single(manifest.ToRunnerManifests());
        Assert.Equal("sample.pattern", runner.Tool);
        Assert.Equal("1.2.0", runner.Version);
        Assert.Equal("^0.1.0", runner.EngineCompat);
        Assert.Equal(["SHARED_KEY", "SAMPLE_KEY"], runner.Credentials);
        Assert.Equal("Dhee.Runner.Sample.dll", runner.Entry);
        Assert.Equal(["api.example.com"], runner.Permissions!.Network);
    }

    [Fact]
    public void TryParse_SingleToolShorthand_DeclaresOneRunner()
    {
        var json = """{ "id": "Dhee.Runner.X", "version": "1.0.0", "engineCompat": ">=0.1.0 <1.0.0", "entry": "X.dll", "tool": "x.run" }""";

        Assert.True(PluginManifest.TryParse(json, "runner.json", out var manifest, out _));
        Assert.Equal("x.run", Assert.Single(manifest.Runners).Tool);
    }

    // Bug 8: each problem names the file and the field.
    [Theory]
    [InlineData("engineCompat", null, "$.engineCompat", "'engineCompat' is required")]
    [InlineData("engineCompat", "*", "$.engineCompat", "accepts every engine version")]
    [InlineData("engineCompat", ">=0.1.0", "$.engineCompat", "no upper bound on the engine major version")]
    [InlineData("engineCompat", "1.x.5", "$.engineCompat", "not a valid npm-style range")]
    [InlineData("entry", "../outside.dll", "$.entry", "climbs out of the folder")]
    [InlineData("entry", "/usr/lib/evil.dll", "$.entry", "is absolute")]
    [InlineData("version", "1.0", "$.version", "not a semantic version")]
    [InlineData("version", "1.0.0.0", "$.version", "not a semantic version")]
    [InlineData("id", "Contoso.Runner", "$.id", "not a plugin package id")]
    [InlineData("id", null, "$.id", "'id' is required")]
    public void TryParse_InvalidField_ReportsFileAndField(string field, string? value, string path, string message)
    {
        var obj = System.Text.Json.Nodes.JsonNode.Parse(Valid)!.AsObject();
        obj.Remove(field);
        if (value is not null)
        {
            obj[field] = value;
        }

        Assert.False(PluginManifest.TryParse(obj.ToJsonString(), "/plugins/Dhee.Runner.Sample/1.2.0/runner.json", out _, out var problems));

        var problem = Assert.Single(problems);
        Assert.Equal("/plugins/Dhee.Runner.Sample/1.2.0/runner.json", problem.File);
        Assert.Equal(path, problem.JsonPath);
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
        Assert.NotNull(problem.Fix);
    }

    [Theory]
    [InlineData("^0.1.0")]
    [InlineData("~1.2.0")]
    [InlineData("1.x")]
    [InlineData(">=1.0.0 <3.0.0")]
    [InlineData("^0.1.0 || ^1.0.0")]
    public void CheckEngineCompat_MajorPinned_Accepted(string range) => Assert.Null(PluginManifest.CheckEngineCompat(range));

    [Fact]
    public void TryParse_SeveralProblems_ListsEveryOne()
    {
        var json = """{ "id": "nope", "version": "x", "engineCompat": "*", "entry": "../a.dll", "runners": [ { "tool": "Bad Tool" }, { "tool": "ok.tool" }, { "tool": "ok.tool" } ] }""";

        Assert.False(PluginManifest.TryParse(json, "runner.json", out _, out var problems));

        Assert.Equal(["$.id", "$.version", "$.engineCompat", "$.entry", "$.runners[0].tool", "$.runners[2].tool"], problems.Select(p => p.JsonPath));
    }

    [Fact]
    public void Load_InvalidFile_ThrowsValidationExceptionNamingFile()
    {
        using var dir = new TestProjectDirectory("manifest");
        var file = dir.WriteFile("runner.json", """{ "id": "Dhee.Runner.A" }""");

        var ex = Assert.Throws<DheeValidationException>(() => PluginManifest.Load(dir.Path));

        Assert.Contains(file, ex.Message, StringComparison.Ordinal);
        Assert.Equal(4, ex.Problems.Count); // version, engineCompat, entry, runners
    }
}
