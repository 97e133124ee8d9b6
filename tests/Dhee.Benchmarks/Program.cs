namespace Dhee.Benchmarks;

/// <summary>Runs the performance targets of every feature and prints one report.</summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        Console.WriteLine("Dhee benchmarks: no figures registered yet.");
        return 0;
    }
}
