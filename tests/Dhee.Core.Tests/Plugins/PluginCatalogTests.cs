using Dhee.Plugins;
using Dhee.Testing;
using NuGet.Versioning;

namespace Dhee.Tests.Plugins;

public class PluginCatalogTests
{
    private static string Manifest(string id, string version, string engine = "^0.1.0", string tool = "x.run", string credentials = "")
        => $$"""{ "id": "{{id}}", "version": "{{version}}", "engineCompat": "{{engine}}", "entry": "X.dll", "runners": [ { "tool": "{{tool}}", "credentials": [{{credentials}}] } ] }""";

    // Bug 8 (folder side): id / folder / version mismatch.
    [Fact]
    public void Discover_IdOrVersionDisagreesWithFolder_ReportsFileAndFieldAndSkips()
    {
        using var root = new TestProjectDirectory("catalog");
        root.WriteFile("Dhee.Runner.A/1.0.0/runner.json", Manifest("Dhee.Runner.B", "1.0.0"));
        root.WriteFile("Dhee.Runner.C/1.0.0/runner.json", Manifest("Dhee.Runner.C", "1.0.1"));
        root.WriteFile("Dhee.Runner.D/1.0.0/runner.json", Manifest("Dhee.Runner.D", "1.0.0"));

        var catalog = PluginCatalog.Discover(TestPlugins.Options(root.Path));

        Assert.Equal("Dhee.Runner.D", Assert.Single(catalog.Plugins).Id);
        Assert.Contains(catalog.Problems, p => p.JsonPath == "$.id" && p.File!.EndsWith("Dhee.Runner.A/1.0.0/runner.json", StringComparison.Ordinal) && p.Message.Contains("does not match the package folder", StringComparison.Ordinal));
        Assert.Contains(catalog.Problems, p => p.JsonPath == "$.version" && p.File!.EndsWith("Dhee.Runner.C/1.0.0/runner.json", StringComparison.Ordinal));
        Assert.Equal(2, catalog.Problems.Count);
    }

    // Bug 9: the engine check against a prerelease engine version.
    [Theory]
    [InlineData(">=0.2.0 <1.0.0", "0.3.0-preview.2", true)]
    [InlineData("^0.3.0-preview.1", "0.3.0-preview.2", true)]
    [InlineData("^0.2.0", "0.2.1-rc.1", true)]
    [InlineData("^0.3.0", "0.3.0-preview.2", true)] // node-semver: with include-prerelease, ^0.3.0 starts at 0.3.0-0
    [InlineData("^0.4.0", "0.3.0-preview.2", false)]
    [InlineData("^1.0.0", "0.3.0-preview.2", false)]
    public void Discover_PrereleaseEngine_CheckedWithPrereleaseSemantics(string engineCompat, string engine, bool compatible)
    {
        using var root = new TestProjectDirectory("catalog");
        root.WriteFile("Dhee.Runner.A/1.0.0/runner.json", Manifest("Dhee.Runner.A", "1.0.0", engineCompat));
        var options = TestPlugins.Options(root.Path);
        options.EngineVersion = SemanticVersion.Parse(engine);

        var plugin = Assert.Single(PluginCatalog.Discover(options).Plugins);

        Assert.Equal(compatible, plugin.IsEngineCompatible);
        if (!compatible)
        {
            Assert.Equal($"Dhee.Runner.A 1.0.0 requires engine {engineCompat}, this is {engine}", plugin.EngineProblem);
        }
    }

    // Bug 10: prefix, temp folders, highest compatible version.
    [Fact]
    public void Discover_IgnoresUnprefixedAndTempFolders_HighestCompatibleWins()
    {
        using var root = new TestProjectDirectory("catalog");
        root.WriteFile("SomethingElse/1.0.0/runner.json", Manifest("Dhee.Runner.Other", "1.0.0"));
        root.WriteFile(".install-0123.tmp/runner.json", Manifest("Dhee.Runner.A", "9.0.0"));
        root.WriteFile("Dhee.Runner.A/.9.0.0.abcd.tmp/runner.json", Manifest("Dhee.Runner.A", "9.0.0"));
        root.WriteFile("Dhee.Runner.A/1.0.0/runner.json", Manifest("Dhee.Runner.A", "1.0.0"));
        root.WriteFile("Dhee.Runner.A/1.4.0/runner.json", Manifest("Dhee.Runner.A", "1.4.0"));
        root.WriteFile("Dhee.Runner.A/2.0.0/runner.json", Manifest("Dhee.Runner.A", "2.0.0", "^5.0.0"));

        var catalog = PluginCatalog.Discover(TestPlugins.Options(root.Path));

        Assert.Empty(catalog.Problems);
        Assert.Equal(["2.0.0", "1.4.0", "1.0.0"], catalog.Plugins.Select(p => p.Version.ToNormalizedString()));
        Assert.Equal("1.4.0", Assert.Single(catalog.SelectLatestCompatible()).Version.ToNormalizedString());
        Assert.True(catalog.TryFind("x.run", "~1.0.0", out var ranged, out _));
        Assert.Equal("1.0.0", ranged.Version.ToNormalizedString());
        Assert.False(catalog.TryFind("x.run", "^2.0.0", out _, out var error));
        Assert.Contains("requires engine ^5.0.0", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Discover_MissingCredentials_ListedWithoutLoadingCode()
    {
        using var root = new TestProjectDirectory("catalog");
        root.WriteFile("Dhee.Runner.A/1.0.0/runner.json", Manifest("Dhee.Runner.A", "1.0.0", credentials: "\"SET_ONE\", \"UNSET_ONE\", \"BLANK_ONE\""));
        var options = TestPlugins.Options(root.Path);
        options.EnvironmentReader = name => name switch { "SET_ONE" => "x", "BLANK_ONE" => "  ", _ => null };

        var plugin = Assert.Single(PluginCatalog.Discover(options).Plugins);

        Assert.Equal(["UNSET_ONE", "BLANK_ONE"], plugin.MissingCredentials);
    }

    [Fact]
    public void GetRoots_OptionsThenEnvironmentThenHome_InPrecedenceOrder()
    {
        var options = new RunnerPluginOptions { RunnerRoots = { "/opt/a" }, EnvironmentReader = _ => $"/env/one{Path.PathSeparator}/env/two{Path.PathSeparator}/opt/a" };

        var roots = options.GetRoots();

        var home = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kshana", "runners");
        Assert.Equal(["/opt/a", "/env/one", "/env/two", home], roots);
    }

    [Fact]
    public void Discover_SameVersionInTwoRoots_HigherPrecedenceRootWins()
    {
        using var first = new TestProjectDirectory("catalog");
        using var second = new TestProjectDirectory("catalog");
        first.WriteFile("Dhee.Runner.A/1.0.0/runner.json", Manifest("Dhee.Runner.A", "1.0.0"));
        second.WriteFile("Dhee.Runner.A/1.0.0/runner.json", Manifest("Dhee.Runner.A", "1.0.0"));
        second.WriteFile("Dhee.Runner.A/1.1.0/runner.json", Manifest("Dhee.Runner.A", "1.1.0"));

        var catalog = PluginCatalog.Discover(new RunnerPluginOptions { IncludeDefaultRoots = false, RunnerRoots = { first.Path, second.Path } });

        Assert.Equal(2, catalog.Plugins.Count);
        Assert.StartsWith(second.Path, catalog.Plugins[0].Directory, StringComparison.Ordinal); // 1.1.0
        Assert.StartsWith(first.Path, catalog.Plugins[1].Directory, StringComparison.Ordinal); // 1.0.0 from the first root
    }

    [Fact]
    public void Discover_MissingRoot_IsEmptyNotAnError()
    {
        var catalog = PluginCatalog.Discover(TestPlugins.Options(Path.Combine(Path.GetTempPath(), "dhee-no-such-root-" + Guid.NewGuid().ToString("N"))));

        Assert.Empty(catalog.Plugins);
        Assert.Empty(catalog.Problems);
    }
}
