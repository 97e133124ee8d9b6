using System.Diagnostics;
using Dhee.Bundles;
using Dhee.Caching;
using Dhee.Runners;
using Dhee.Walking;

namespace Dhee.Benchmarks;

/// <summary>Walker overhead, resume cost and parallel efficiency, measured against the issue's targets and an in-run critical path.</summary>
internal static class WalkerBenchmarks
{
    public static async Task<bool> RunAsync(bool isShort)
    {
        var ok = true;
        var nodes = isShort ? 2_000 : 10_000;
        var root = Path.Combine(Path.GetTempPath(), $"dhee-bench-{Guid.NewGuid():N}");
        try
        {
            Console.WriteLine($"  (load average when starting: {LoadAverage()}; wall times on a shared machine are upper bounds, CPU times are steadier)");

            // 1. Overhead: a layered DAG (fan-in up to 4) with a no-op runner, state persisted.
            var project = Path.Combine(root, "layered");
            Directory.CreateDirectory(project);
            File.WriteAllText(Path.Combine(project, "shared.txt"), "x");
            var bundle = LayeredDag(nodes, width: 100, seed: 7);
            var noop = new NoopRunner();
            var walker = new Walker([noop]);
            var options = new WalkOptions { ProjectDir = project, Cache = GenerationCache.Disabled, WatchStopFile = false };

            // Warm up (JIT, thread pool) on a small DAG in its own project, as a long-running host would be.
            var warm = Path.Combine(root, "warm");
            Directory.CreateDirectory(warm);
            File.WriteAllText(Path.Combine(warm, "shared.txt"), "x");
            await walker.WalkAsync(LayeredDag(300, width: 30, seed: 3), new WalkOptions { ProjectDir = warm, Cache = GenerationCache.Disabled, WatchStopFile = false });
            await walker.WalkAsync(LayeredDag(300, width: 30, seed: 3), new WalkOptions { ProjectDir = warm, Cache = GenerationCache.Disabled, WatchStopFile = false });

            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var first = await walker.WalkAsync(bundle, options);
            var firstTime = clock.Elapsed;
            var firstCpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            cpu = Process.GetCurrentProcess().TotalProcessorTime;
            clock.Restart();
            var second = await walker.WalkAsync(bundle, options);
            var secondTime = clock.Elapsed;
            var secondCpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            ok &= first.Success && first.Completed == nodes && second.Success && second.Skipped == nodes;
            var scale = nodes / 10_000.0;
            Report($"walk {nodes:N0}-node layered DAG (no-op runner, journal fsync'd)", firstTime, TimeSpan.FromSeconds(1 * scale), $"{nodes / firstTime.TotalSeconds:N0} nodes/s, {firstCpu.TotalMilliseconds:0} ms CPU");
            Report($"second walk, all {nodes:N0} complete", secondTime, TimeSpan.FromSeconds(0.3 * scale), $"{nodes / secondTime.TotalSeconds:N0} nodes/s, {secondCpu.TotalMilliseconds:0} ms CPU");

            // 2. Parallel efficiency: 200 sleep runners (10–50 ms) vs the DAG's critical path.
            var sleepProject = Path.Combine(root, "sleep");
            Directory.CreateDirectory(sleepProject);
            File.WriteAllText(Path.Combine(sleepProject, "shared.txt"), "x");
            var (sleepBundle, durations) = SleepDag(isShort ? 60 : 200, seed: 11);
            var critical = CriticalPath(sleepBundle, durations);
            var sleeper = new SleepRunner(durations);
            clock.Restart();
            var sleepResult = await new Walker([sleeper]).WalkAsync(sleepBundle, new WalkOptions
            {
                ProjectDir = sleepProject, MaxParallelism = 256, Cache = GenerationCache.Disabled, WatchStopFile = false,
            });
            var wall = clock.Elapsed;
            ok &= sleepResult.Success;
            var ratio = wall / critical;
            Console.WriteLine($"  parallel efficiency: {sleepBundle.Nodes.Count} sleep nodes, wall {wall.TotalMilliseconds:0} ms vs critical path {critical.TotalMilliseconds:0} ms → ratio {ratio:0.000} (target ≤ 1.05) {(ratio <= 1.05 ? "OK" : "OVER")}");
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

        return ok;
    }

    private static string LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    private static void Report(string what, TimeSpan took, TimeSpan target, string extra)
    {
        var ratio = took / target;
        Console.WriteLine($"  {what}: {took.TotalMilliseconds:0} ms, {extra}; ratio to target {target.TotalMilliseconds:0} ms = {ratio:0.00} {(ratio <= 1 ? "OK" : "OVER")}");
    }

    private static Bundle LayeredDag(int count, int width, int seed)
    {
        var random = new Random(seed);
        var nodes = new List<BundleNode>(count);
        for (var i = 0; i < count; i++)
        {
            var layer = i / width;
            var inputs = new List<NodeInput>();
            if (layer > 0)
            {
                var fanIn = random.Next(1, 5);
                var previous = (layer - 1) * width;
                foreach (var j in Enumerable.Range(0, fanIn).Select(_ => previous + random.Next(width)).Distinct())
                {
                    inputs.Add(new NodeInput { From = $"n{j}" });
                }
            }

            nodes.Add(Node($"n{i}", "bench.noop", inputs));
        }

        // The goal gathers the last layer so every node is an ancestor.
        var lastLayer = Enumerable.Range(Math.Max(0, count - width), Math.Min(width, count)).Select(j => new NodeInput { From = $"n{j}" }).ToList();
        var covered = new HashSet<string>(lastLayer.Select(i => i.From));
        foreach (var node in nodes)
        {
            foreach (var input in node.Inputs)
            {
                covered.Add(input.From);
            }
        }

        lastLayer.AddRange(nodes.Where(n => !covered.Contains(n.Id)).Select(n => new NodeInput { From = n.Id }));
        nodes[^1] = nodes[^1] with { Inputs = [.. nodes[^1].Inputs, .. lastLayer.Where(i => i.From != nodes[^1].Id)] };
        return new Bundle { Id = "layered", Goal = nodes[^1].Id, Nodes = nodes };
    }

    private static (Bundle Bundle, Dictionary<string, int> Durations) SleepDag(int count, int seed)
    {
        var random = new Random(seed);
        var nodes = new List<BundleNode>(count);
        var durations = new Dictionary<string, int>();
        for (var i = 0; i < count; i++)
        {
            var inputs = new List<NodeInput>();
            if (i > 0)
            {
                foreach (var j in Enumerable.Range(0, random.Next(0, 3)).Select(_ => random.Next(Math.Max(0, i - 20), i)).Distinct())
                {
                    inputs.Add(new NodeInput { From = $"s{j}" });
                }
            }

            nodes.Add(Node($"s{i}", "bench.sleep", inputs));
            durations[$"s{i}"] = random.Next(10, 51);
        }

        var consumed = nodes.SelectMany(n => n.Inputs).Select(i => i.From).ToHashSet();
        var sinks = nodes.Take(count - 1).Where(n => !consumed.Contains(n.Id)).Select(n => new NodeInput { From = n.Id });
        nodes[^1] = nodes[^1] with { Inputs = [.. nodes[^1].Inputs, .. sinks] };
        return (new Bundle { Id = "sleep", Goal = nodes[^1].Id, Nodes = nodes }, durations);
    }

    private static TimeSpan CriticalPath(Bundle bundle, Dictionary<string, int> durations)
    {
        var finish = new Dictionary<string, int>();
        foreach (var node in bundle.Nodes)
        {
            var start = node.Inputs.Count == 0 ? 0 : node.Inputs.Max(i => finish[i.From]);
            finish[node.Id] = start + durations[node.Id];
        }

        return TimeSpan.FromMilliseconds(finish.Values.Max());
    }

    private static BundleNode Node(string id, string tool, List<NodeInput> inputs) => new()
    {
        Id = id,
        Inputs = inputs,
        Outputs = new NodeOutputs { Format = OutputFormat.Text, Pattern = $"out/{id}.txt" },
        Runner = new NodeRunner { Tool = tool },
    };

    private sealed class NoopRunner : IRunner
    {
        public RunnerDescription Describe() => new() { Id = "bench.noop", DisplayName = "no-op" };

        public ValueTask<RunnerResult> RunAsync(RunnerContext context) => ValueTask.FromResult(RunnerResult.Success("shared.txt"));
    }

    private sealed class SleepRunner(Dictionary<string, int> durations) : IRunner
    {
        public RunnerDescription Describe() => new() { Id = "bench.sleep", DisplayName = "sleep" };

        public async ValueTask<RunnerResult> RunAsync(RunnerContext context)
        {
            await Task.Delay(durations[context.Node.Id], context.CancellationToken).ConfigureAwait(false);
            return RunnerResult.Success("shared.txt");
        }
    }
}
