using System.Reflection;
using System.Text.Json.Nodes;
using Dhee.Bundles;
using Dhee.Runners;

namespace Dhee.Tests.Plugins;

/// <summary>Finds the tiny plugin projects under tests/TestPlugins (built by this project's build) and installs them into temp roots.</summary>
internal static class TestPlugins
{
    public const string Alpha = "Dhee.Runner.TestAlpha";
    public const string Beta = "Dhee.Runner.TestBeta";
    public const string CopiesCore = "Dhee.Runner.TestCopiesCore";
    public const string NewerCore = "Dhee.Runner.TestNewerCore";
    public const string AspNet = "Dhee.Runner.TestAspNet";

    private static readonly string Template = typeof(TestPlugins).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "TestPluginsOutput").Value!;

    /// <summary>The build output folder of a test plugin project.</summary>
    public static string OutputOf(string name)
    {
        var dir = Path.GetFullPath(string.Format(System.Globalization.CultureInfo.InvariantCulture, Template, name));
        Assert.True(File.Exists(Path.Combine(dir, "runner.json")), $"test plugin {name} is not built at {dir}");
        return dir;
    }

    /// <summary>Copies a test plugin's build output into <c>root/id/version</c>, optionally editing its runner.json.</summary>
    public static string Install(string root, string name, string? version = null, Action<JsonObject>? edit = null)
    {
        var source = OutputOf(name);
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(source, "runner.json")))!.AsObject();
        if (version is not null)
        {
            manifest["version"] = version;
        }

        edit?.Invoke(manifest);
        var target = Path.Combine(root, (string)manifest["id"]!, (string)manifest["version"]!);
        CopyDirectory(source, target);
        File.WriteAllText(Path.Combine(target, "runner.json"), manifest.ToJsonString());
        return target;
    }

    public static void CopyDirectory(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to, overwrite: true);
        }
    }

    /// <summary>Runs a runner with a minimal context and returns the "value" its result reports.</summary>
    public static async Task<string> RunForValueAsync(IRunner runner, string projectDir, JsonObject? config = null)
    {
        var node = new BundleNode
        {
            Id = "n",
            Outputs = new NodeOutputs { Format = OutputFormat.Json, Pattern = "out/n.json" },
            Runner = new NodeRunner { Tool = runner.Describe().Id, Config = config ?? [] },
        };
        var result = await runner.RunAsync(new RunnerContext { ProjectDir = projectDir, Node = node, OutputPath = "out/n.json" });
        Assert.True(result.IsSuccess, result.ToString());
        return (string)result.Metadata["value"]!;
    }

    /// <summary>Options pointing only at <paramref name="root"/>, never at the user's real runner folders.</summary>
    public static Dhee.Plugins.RunnerPluginOptions Options(string root) => new() { IncludeDefaultRoots = false, RunnerRoots = { root } };
}
