using System.Diagnostics;
using System.Reflection;
using System.Runtime.Loader;
using Dhee.Plugins;

namespace Dhee.Benchmarks;

/// <summary>
/// Plugin targets: reading 50 installed plugins' manifests (no code loaded) under 200 ms, and loading one plugin and
/// resolving its runner under 50 ms after the first. Each figure is printed with a ratio to an in-run baseline.
/// </summary>
internal static class PluginBenchmarks
{
    private const int Plugins = 50;

    public static Task RunAsync(BenchmarkReport report)
    {
        Run(report);
        return Task.CompletedTask;
    }

    private static void Run(BenchmarkReport report)
    {
        var samplePlugin = typeof(PluginBenchmarks).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "SamplePluginOutput").Value!;
        if (!File.Exists(Path.Combine(samplePlugin, PluginManifest.FileName)))
        {
            report.Add(new BenchmarkRow("#6", "plugins", "-", $"not run: the sample plugin is not built at {samplePlugin}", "-", null, Passed: false, Correct: false));
            return;
        }

        var root = Path.Combine(Path.GetTempPath(), $"dhee-bench-plugins-{Guid.NewGuid():N}");
        try
        {
            var manifest = File.ReadAllText(Path.Combine(samplePlugin, PluginManifest.FileName));
            for (var i = 0; i < Plugins; i++)
            {
                var dir = Path.Combine(root, "Dhee.Runner.Sample", $"0.1.{i}");
                Directory.CreateDirectory(dir);
                foreach (var file in Directory.GetFiles(samplePlugin))
                {
                    File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
                }

                File.WriteAllText(Path.Combine(dir, PluginManifest.FileName), manifest.Replace("\"version\": \"0.1.0\"", $"\"version\": \"0.1.{i}\"", StringComparison.Ordinal));
            }

            var options = new RunnerPluginOptions { IncludeDefaultRoots = false, RunnerRoots = { root } };

            // Discovery vs. the baseline of merely reading the same 50 files.
            var discover = Median(15, () => PluginCatalog.Discover(options));
            var readOnly = Median(15, () =>
            {
                foreach (var file in Directory.EnumerateFiles(root, PluginManifest.FileName, SearchOption.AllDirectories))
                {
                    _ = File.ReadAllText(file);
                }
            });
            var catalog = PluginCatalog.Discover(options);
            report.Add(Row($"read {catalog.Plugins.Count} installed plugins' manifests, no code loaded (median of 15)", discover, 200, readOnly, "reading the same files", catalog.Plugins.Count == Plugins));

            // Loading: warm up with the first plugin, then time each next one (a fresh context each) vs. a bare context load.
            using var loader = new PluginLoader(options);
            _ = loader.Load(catalog.Plugins[0]).Runners[0].Runner.Describe();
            var next = 1;
            var resolved = 0;
            var load = Median(15, () => resolved += loader.Load(catalog.Plugins[next++]).Runners[0].Runner.Describe().Id.Length > 0 ? 1 : 0);
            var bareIndex = 20;
            var bare = Median(15, () =>
            {
                var plugin = catalog.Plugins[bareIndex++];
                var context = new AssemblyLoadContext("bench-bare", isCollectible: false);
                _ = context.LoadFromAssemblyPath(Path.Combine(plugin.Directory, plugin.Manifest.Entry)).GetExportedTypes();
            });
            report.Add(Row("load one plugin and resolve its runner, after the first (median of 15)", load, 50, bare, "a bare AssemblyLoadContext load", resolved == 15));
        }
        finally
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static BenchmarkRow Row(string what, double ms, double target, double baseline, string baselineName, bool correct)
        => new("#6", what, $"< {target} ms", $"{ms:0.00} ms", $"{baselineName}: {baseline:0.00} ms", ms / Math.Max(baseline, 0.001), ms < target, correct);

    private static double Median(int runs, Action action)
    {
        var times = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            action();
            times[i] = watch.Elapsed.TotalMilliseconds;
        }

        Array.Sort(times);
        return times[runs / 2];
    }
}
