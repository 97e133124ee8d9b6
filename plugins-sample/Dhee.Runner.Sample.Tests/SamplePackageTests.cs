using System.Reflection;
using System.Text.Json.Nodes;
using Dhee.Bundles;
using Dhee.Plugins;
using Dhee.Registry;
using Dhee.Testing;

namespace Dhee.Runner.Sample.Tests;

/// <summary>The packed plugin, installed and loaded the way a host does it.</summary>
public class SamplePackageTests
{
    private static string PackageFolder => typeof(SamplePackageTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "SamplePackageFolder").Value!;

    [Fact]
    public async Task Nupkg_InstalledIntoFreshRoot_LoadsIsolatedAndRunsForBundle()
    {
        var nupkg = Assert.Single(Directory.GetFiles(PackageFolder, "Dhee.Runner.Sample.*.nupkg"));
        using var root = new TestProjectDirectory("runners");
        using var project = new TestProjectDirectory("project");
        var options = new RunnerPluginOptions { IncludeDefaultRoots = false, RunnerRoots = { root.Path } };

        var installed = new PluginInstaller(options).Install(nupkg);
        var bundle = BundleForPattern();
        using var loader = new PluginLoader(options);
        var registry = new RunnerRegistry();
        var load = loader.LoadForBundle(registry, bundle);

        Assert.Equal(["sample.pattern"], installed.Plugin.Tools);
        Assert.True(load.Success, string.Join("\n", load.Failures));
        Assert.True(registry.TryGet("sample.pattern", out var registration));
        Assert.Equal(installed.Plugin.Directory, registration.Source);
        Assert.NotSame(typeof(PatternRunner).Assembly, loader.Load(installed.Plugin).EntryAssembly);
        var result = await registration.Runner.RunAsync(PatternRunnerTests.Context(project.Path, bundle.Nodes[0].Runner.Config));
        Assert.True(result.IsSuccess, result.ToString());
        var (width, height, _) = PatternRunnerTests.DecodePng(Path.Combine(project.Path, "assets/p.png"));
        Assert.Equal((320, 180), (width, height));
    }

    private static Bundle BundleForPattern() => new()
    {
        Id = "sample-patterns",
        Goal = "poster",
        Dependencies = new BundleDependencies { Runners = new Dictionary<string, string> { ["sample.pattern"] = "^0.1.0" } },
        Nodes =
        [
            new BundleNode
            {
                Id = "poster",
                Outputs = new NodeOutputs { Format = OutputFormat.Image, Pattern = "assets/p.png" },
                Runner = new NodeRunner { Tool = "sample.pattern", Config = new JsonObject { ["prompt"] = "a calm sea", ["width"] = 320, ["height"] = 180 } },
            },
        ],
    };
}
