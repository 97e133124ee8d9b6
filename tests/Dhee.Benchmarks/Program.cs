namespace Dhee.Benchmarks;

/// <summary>
/// Runs the performance targets of every feature and prints one report table. <c>--short</c> runs small sizes for CI
/// smoke: timing is reported but not gated. <c>--only walker,cache,plugins,comfy,server</c> runs a subset.
/// Exit code: 0 when every run produced a correct result (and, in full mode, every target was met), 1 when a run
/// produced a wrong result or crashed, 2 in full mode when every result was correct but a target was missed.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var isShort = args.Contains("--short");
        var only = args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault()?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var report = new BenchmarkReport(isShort);
        Console.WriteLine($"Dhee benchmarks{(isShort ? " (short)" : string.Empty)} on {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load average {LoadAverage()}");

        var suites = new (string Name, string Issue, Func<Task> Run)[]
        {
            ("walker", "#3", () => WalkerBenchmarks.RunAsync(report)),
            ("cache", "#3", () => HashingBenchmarks.RunAsync(report)),
            ("comfy", "#4", () => ComfyBenchmarks.RunAsync(report, args)),
            ("plugins", "#6", () => PluginBenchmarks.RunAsync(report)),
            ("server", "#8", () => Server.ServerBenchmarks.RunAsync(report)),
        };
        foreach (var (name, issue, run) in suites)
        {
            if (only is not null && !only.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            Console.WriteLine($"{name}:");
            try
            {
                await run();
            }
            catch (Exception e)
            {
                report.AddCrash(issue, name, e);
            }
        }

        Console.WriteLine();
        report.Write(Console.Out);
        return !report.Correct ? 1 : isShort || report.TargetsMet ? 0 : 2;
    }

    /// <summary>Gets the one-minute load average (wall times on a shared machine are upper bounds).</summary>
    internal static string LoadAverage()
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
}
