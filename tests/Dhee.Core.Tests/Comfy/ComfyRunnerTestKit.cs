using System.Text.Json.Nodes;
using Dhee.Bundles;
using Dhee.Caching;
using Dhee.Inputs;
using Dhee.Runners;

namespace Dhee.Tests.Comfy;

internal static class ComfyRunnerTestKit
{
    public static readonly string SampleBundle = FindSampleBundle();

    public static RunnerContext Context(
        string projectDir,
        string tool,
        JsonObject config,
        string? bundleDir = null,
        IGenerationCache? cache = null,
        IEnumerable<KeyValuePair<string, InputValue>>? inputs = null,
        string output = "out/img.png",
        IProgress<RunnerProgress>? progress = null,
        CancellationToken cancellationToken = default)
        => new()
        {
            ProjectDir = projectDir,
            BundleDir = bundleDir ?? SampleBundle,
            Node = new BundleNode
            {
                Id = "img",
                Outputs = new NodeOutputs { Format = OutputFormat.Image, Pattern = output },
                Runner = new NodeRunner { Tool = tool, Config = config },
            },
            OutputPath = output,
            Cache = cache,
            Inputs = inputs is null ? RunnerInputs.Empty : new RunnerInputs(inputs),
            CancellationToken = cancellationToken,
            Progress = progress,
        };

    private static string FindSampleBundle()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "samples", "bundles", "comfy-tti")))
        {
            dir = dir.Parent;
        }

        return dir is null ? throw new DirectoryNotFoundException("samples/bundles/comfy-tti not found above the test folder") : Path.Combine(dir.FullName, "samples", "bundles", "comfy-tti");
    }
}
