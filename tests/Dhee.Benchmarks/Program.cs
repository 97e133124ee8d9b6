namespace Dhee.Benchmarks;

/// <summary>Runs the performance targets of every feature and prints one report.</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var failures = 0;
        if (args.Length == 0 || args.Contains("comfy"))
        {
            failures += await ComfyBenchmarks.RunAsync(args).ConfigureAwait(false);
        }

        return failures == 0 ? 0 : 1;
    }
}
