using Dhee.Cli.Commands;
using Dhee.Testing;
using Dhee.Testing.RunPod;

namespace Dhee.Tests.Commands;

public sealed class ComfyRunRunPodTests
{
    [Fact]
    public async Task Run_RunPodEndpoint_WritesOutputsFromLoopbackRunPod()
    {
        await using var runpod = await LoopbackRunPodServer.StartAsync(new LoopbackRunPodServerOptions { OutputMode = LoopbackRunPodOutputMode.S3Url });
        using var dir = new TestProjectDirectory("cli-runpod");
        var wf = dir.WriteFile("wf.json", """{"1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 0}}, "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "x"}}}""");
        var outDir = Path.Combine(dir.Path, "renders");
        Environment.SetEnvironmentVariable("RUNPOD_API_KEY", runpod.ApiKey);
        Environment.SetEnvironmentVariable("RUNPOD_API_BASE", runpod.ApiBase.ToString());
        try
        {
            var result = await CliRun.InvokeAsync([ComfyCommand.Create()], "comfy", "run", wf, "--endpoint", "runpod://" + runpod.EndpointId, "--out", outDir);
            Assert.True(result.ExitCode == 0, result.Error);
            var file = Assert.Single(Directory.GetFiles(outDir));
            Assert.EndsWith(".png", file, StringComparison.Ordinal);
            Assert.Equal(0x89, File.ReadAllBytes(file)[0]);
            Assert.Contains("POST /run", runpod.RequestLog);

            runpod.Faults.FailJobsWith = "CUDA out of memory";
            var failed = await CliRun.InvokeAsync([ComfyCommand.Create()], "comfy", "run", wf, "--endpoint", "runpod://" + runpod.EndpointId, "--out", outDir);
            Assert.Equal(1, failed.ExitCode);
            Assert.Contains("CUDA out of memory", failed.Error, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("RUNPOD_API_KEY", null);
            Environment.SetEnvironmentVariable("RUNPOD_API_BASE", null);
        }
    }
}
