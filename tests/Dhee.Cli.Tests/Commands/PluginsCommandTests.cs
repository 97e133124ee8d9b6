using System.Text.Json;
using Dhee.Cli.Hosting;
using Dhee.Testing;

namespace Dhee.Tests.Commands;

public class PluginsCommandTests
{
    private static string MakePluginFolder(TestProjectDirectory dir, string version = "1.0.0", string engine = "^0.1.0")
    {
        dir.WriteFile("src/runner.json", $$"""
            { "id": "Dhee.Runner.Cli", "version": "{{version}}", "engineCompat": "{{engine}}", "entry": "Dhee.Runner.Cli.dll",
              "runners": [ { "tool": "cli.one", "credentials": ["DHEE_CLI_TEST_UNSET_TOKEN"] } ] }
            """);
        dir.WriteFile("src/Dhee.Runner.Cli.dll", "placeholder: listing never loads code");
        return Path.Combine(dir.Path, "src");
    }

    [Fact]
    public async Task InstallListRemove_Folder_RoundTripsWithJson()
    {
        using var dir = new TestProjectDirectory("cli-plugins");
        var runners = Path.Combine(dir.Path, "runners");
        var source = MakePluginFolder(dir);

        var install = await CliRun.InvokeAsync("plugins", "install", source, "--runners-dir", runners, "--json");
        var list = await CliRun.InvokeAsync("plugins", "list", "--runners-dir", runners, "--json");
        var remove = await CliRun.InvokeAsync("plugins", "remove", "Dhee.Runner.Cli", "--runners-dir", runners);
        var after = await CliRun.InvokeAsync("plugins", "list", "--runners-dir", runners);

        Assert.Equal(ExitCodes.Ok, install.ExitCode);
        Assert.Equal(Path.Combine(runners, "Dhee.Runner.Cli", "1.0.0"), JsonDocument.Parse(install.Output).RootElement.GetProperty("plugin").GetProperty("directory").GetString());
        Assert.Equal(ExitCodes.Ok, list.ExitCode);
        var plugin = JsonDocument.Parse(list.Output).RootElement.GetProperty("plugins")[0];
        Assert.Equal("cli.one", plugin.GetProperty("tools")[0].GetString());
        Assert.True(plugin.GetProperty("engineCompatible").GetBoolean());
        Assert.Equal("DHEE_CLI_TEST_UNSET_TOKEN", plugin.GetProperty("missingCredentials")[0].GetString());
        Assert.Equal(ExitCodes.Ok, remove.ExitCode);
        Assert.Contains("Removed", remove.Output, StringComparison.Ordinal);
        Assert.Contains("No runner plugins installed", after.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_Table_ShowsIncompatibleEngine()
    {
        using var dir = new TestProjectDirectory("cli-plugins");
        var runners = Path.Combine(dir.Path, "runners");
        await CliRun.InvokeAsync("plugins", "install", MakePluginFolder(dir, engine: "^9.0.0"), "--runners-dir", runners);

        var list = await CliRun.InvokeAsync("plugins", "list", "--runners-dir", runners);

        Assert.Equal(ExitCodes.Ok, list.ExitCode);
        Assert.Contains("Dhee.Runner.Cli", list.Output, StringComparison.Ordinal);
        Assert.Contains("incompatible", list.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Install_InvalidManifest_FailsNamingField()
    {
        using var dir = new TestProjectDirectory("cli-plugins");
        var source = MakePluginFolder(dir, engine: "*");

        var result = await CliRun.InvokeAsync("plugins", "install", source, "--runners-dir", Path.Combine(dir.Path, "runners"));

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("$.engineCompat", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Install_MissingPath_FailsClearly()
    {
        using var dir = new TestProjectDirectory("cli-plugins");

        var result = await CliRun.InvokeAsync("plugins", "install", Path.Combine(dir.Path, "nope.nupkg"), "--runners-dir", dir.Path, "--json");

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("no plugin package or folder", JsonDocument.Parse(result.Output).RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Remove_NotInstalled_Fails_BadId_IsUsageError()
    {
        using var dir = new TestProjectDirectory("cli-plugins");

        var missing = await CliRun.InvokeAsync("plugins", "remove", "Dhee.Runner.Nothing", "--runners-dir", dir.Path);
        var badId = await CliRun.InvokeAsync("plugins", "remove", "Contoso.Thing", "--runners-dir", dir.Path);

        Assert.Equal(ExitCodes.Failure, missing.ExitCode);
        Assert.Equal(ExitCodes.Usage, badId.ExitCode);
    }
}

/// <summary>The "done when": the sample plugin installs from its nupkg and runs in a bundle walked by <c>dhee run</c>.</summary>
[Collection(nameof(RunnersDirEnvironment))]
public class PluginsEndToEndTests
{
    private static string Metadata(string key) => typeof(PluginsEndToEndTests).Assembly
        .GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false).Cast<System.Reflection.AssemblyMetadataAttribute>()
        .Single(a => a.Key == key).Value!;

    [Fact]
    public async Task Run_BundleUsingSamplePlugin_InstalledFromNupkg_WritesItsImage()
    {
        using var dir = new TestProjectDirectory("cli-plugins-e2e");
        var runners = Path.Combine(dir.Path, "runners");
        var project = Path.Combine(dir.Path, "project");
        var nupkg = Assert.Single(Directory.GetFiles(Metadata("SamplePluginPackages"), "Dhee.Runner.Sample.*.nupkg"));
        var bundle = Path.Combine(Metadata("SamplePluginFolder"), "example");
        var previous = Environment.GetEnvironmentVariable("DHEE_RUNNERS_DIR");

        var install = await CliRun.InvokeAsync("plugins", "install", nupkg, "--runners-dir", runners);
        CliRunResult run;
        try
        {
            Environment.SetEnvironmentVariable("DHEE_RUNNERS_DIR", runners);
            run = await CliRun.InvokeAsync("run", bundle, "--project", project, "--no-cache", "--json");
        }
        finally
        {
            Environment.SetEnvironmentVariable("DHEE_RUNNERS_DIR", previous);
        }

        Assert.Equal(ExitCodes.Ok, install.ExitCode);
        Assert.True(run.ExitCode == ExitCodes.Ok, run.Output + run.Error);
        var png = File.ReadAllBytes(Path.Combine(project, "assets", "poster.png"));
        Assert.Equal(0x89, png[0]);
        Assert.Equal("PNG", System.Text.Encoding.ASCII.GetString(png, 1, 3));
    }
}

/// <summary>The main job: the offline storyboard sample walks end to end, and a second walk is served from the cache.</summary>
[Collection(nameof(RunnersDirEnvironment))]
public class StoryboardSampleTests
{
    [Fact]
    public async Task Run_StoryboardTwiceIntoNewProjects_SecondWalkServesEveryGeneratedOutputFromCache()
    {
        using var dir = new TestProjectDirectory("cli-storyboard");
        var runners = Path.Combine(dir.Path, "runners");
        var packages = typeof(StoryboardSampleTests).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false).Cast<System.Reflection.AssemblyMetadataAttribute>()
            .Single(a => a.Key == "SamplePluginPackages").Value!;
        var nupkg = Assert.Single(Directory.GetFiles(packages, "Dhee.Runner.Sample.*.nupkg"));
        var bundle = CliRun.RepoPath("samples/bundles/storyboard");
        var previousRunners = Environment.GetEnvironmentVariable("DHEE_RUNNERS_DIR");
        var previousCache = Environment.GetEnvironmentVariable("DHEE_CACHE_ROOT");

        Assert.Equal(ExitCodes.Ok, (await CliRun.InvokeAsync("plugins", "install", nupkg, "--runners-dir", runners)).ExitCode);
        CliRunResult first, second;
        try
        {
            Environment.SetEnvironmentVariable("DHEE_RUNNERS_DIR", runners);
            Environment.SetEnvironmentVariable("DHEE_CACHE_ROOT", Path.Combine(dir.Path, "cache"));
            first = await CliRun.InvokeAsync("run", bundle, "--project", Path.Combine(dir.Path, "a"), "--json");
            second = await CliRun.InvokeAsync("run", bundle, "--project", Path.Combine(dir.Path, "b"), "--json");
        }
        finally
        {
            Environment.SetEnvironmentVariable("DHEE_RUNNERS_DIR", previousRunners);
            Environment.SetEnvironmentVariable("DHEE_CACHE_ROOT", previousCache);
        }

        Assert.True(first.ExitCode == ExitCodes.Ok, first.Output + first.Error);
        Assert.True(second.ExitCode == ExitCodes.Ok, second.Output + second.Error);
        var video = Path.Combine(dir.Path, "a", "final", "storyboard.mp4");
        Assert.True(new FileInfo(video).Length > 1000, "the final video is missing or empty");

        using var firstJson = System.Text.Json.JsonDocument.Parse(first.Output);
        using var secondJson = System.Text.Json.JsonDocument.Parse(second.Output);
        Assert.Equal(0, firstJson.RootElement.GetProperty("cached").GetInt32());
        var traces = secondJson.RootElement.GetProperty("traces").EnumerateArray().ToList();
        var media = traces.Where(t => t.GetProperty("nodeId").GetString() != "shot_plan").ToList();
        Assert.Equal(9, media.Count);
        Assert.All(media, t => Assert.True(t.GetProperty("cached").GetBoolean(), t.ToString()));
        Assert.Equal(File.ReadAllBytes(video), File.ReadAllBytes(Path.Combine(dir.Path, "b", "final", "storyboard.mp4")));
    }
}

/// <summary>Tests that set DHEE_RUNNERS_DIR run one at a time.</summary>
[CollectionDefinition(nameof(RunnersDirEnvironment), DisableParallelization = true)]
public sealed class RunnersDirEnvironment
{
}
