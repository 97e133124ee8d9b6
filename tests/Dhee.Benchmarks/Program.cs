namespace Dhee.Benchmarks;

/// <summary>Runs the performance targets of every feature and prints one report.</summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        var failures = 0;
        failures += PluginBenchmarks.Run(Console.Out);
        return failures == 0 ? 0 : 1;
    }
}
