namespace Dhee.Benchmarks;

/// <summary>Runs the performance targets of every feature and prints one report. <c>--short</c> runs small sizes for CI smoke.</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var isShort = args.Contains("--short");
        Console.WriteLine($"Dhee benchmarks{(isShort ? " (short)" : string.Empty)} on {Environment.ProcessorCount} cores");
        var ok = true;
        Console.WriteLine("walker:");
        ok &= await WalkerBenchmarks.RunAsync(isShort);
        Console.WriteLine("cache:");
        ok &= await HashingBenchmarks.RunAsync(isShort);
        Console.WriteLine("plugins:");
        ok &= PluginBenchmarks.Run(Console.Out) == 0;
        Console.WriteLine("comfy:");
        ok &= await ComfyBenchmarks.RunAsync(args) == 0;
        Console.WriteLine("server:");
        ok &= await Server.ServerBenchmarks.RunAsync() == 0;
        Console.WriteLine(ok ? "all benchmark runs completed correctly" : "a benchmark run produced a wrong result");
        return ok ? 0 : 1;
    }
}
