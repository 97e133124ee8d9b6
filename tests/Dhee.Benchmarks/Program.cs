namespace Dhee.Benchmarks;

/// <summary>Runs the performance targets of every feature and prints one report.</summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        var exitCode = 0;
        if (args.Length == 0 || args.Contains("server"))
        {
            exitCode |= Server.ServerBenchmarks.RunAsync().GetAwaiter().GetResult();
        }

        return exitCode;
    }
}
