using System.CommandLine;

namespace Dhee.Cli;

/// <summary>The entry point of the <c>dhee</c> tool.</summary>
internal static class Program
{
    public static Task<int> Main(string[] args)
    {
        var root = new RootCommand("Dhee: run generative-media pipelines (bundles) as DAGs.");
        return root.Parse(args).InvokeAsync();
    }
}
