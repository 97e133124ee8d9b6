using System.Diagnostics;
using System.Text.Json.Nodes;
using Dhee.Bundles;
using Dhee.Caching;
using Dhee.Comfy;
using Dhee.Comfy.Runners;
using Dhee.Endpoints;
using Dhee.Testing;
using Dhee.Testing.Comfy;
using Dhee.Testing.RunPod;
using Dhee.Tests.Walking;
using Dhee.Walking;

namespace Dhee.Tests.Diagnostics;

public sealed class ComfyTelemetryTests : IDisposable
{
    private readonly TestProjectDirectory _dir = new("comfy-telemetry");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Walk_ComfyEndpoint_SubmitWaitDownloadSpansUnderNodeAndBytesAndQueueWait()
    {
        await using var server = await LoopbackComfyServer.StartAsync();
        server.Faults.FailClassType = "ImageInvert";
        var endpoints = new EndpointOptions();
        endpoints.Endpoints["gen"] = new EndpointDefinition { Url = server.BaseUri.ToString() };
        using var capture = new TelemetryCapture(nameof(Walk_ComfyEndpoint_SubmitWaitDownloadSpansUnderNodeAndBytesAndQueueWait));

        var result = await WalkAsync(WriteBundle(), "local", endpoints);

        Assert.Equal(WalkStatus.Failed, result.Status);
        var output = new FileInfo(Path.Combine(_dir.Path, "local", "out", "plain.png"));
        Assert.True(output.Exists);
        var nodes = capture.SpansNamed("dhee.node").ToDictionary(a => (string)a.GetTagItem("dhee.node.id")!);

        // The node that worked: submit → wait → download, in order, under its node span.
        var plain = nodes["plain"];
        var submit = Assert.Single(capture.SpansNamed("dhee.comfy.submit"), s => s.ParentSpanId == plain.SpanId);
        var wait = Assert.Single(capture.SpansNamed("dhee.comfy.wait"), s => s.ParentSpanId == plain.SpanId);
        var download = Assert.Single(capture.SpansNamed("dhee.comfy.download"), s => s.ParentSpanId == plain.SpanId);
        Assert.All(new[] { submit, wait, download }, s =>
        {
            Assert.Equal("gen", s.GetTagItem("dhee.endpoint"));
            Assert.Equal("comfyui", s.GetTagItem("dhee.endpoint.kind"));
            Assert.Equal(ActivityKind.Client, s.Kind);
            Assert.Equal(ActivityStatusCode.Unset, s.Status);
        });
        var promptId = (string)submit.GetTagItem("dhee.comfy.prompt_id")!;
        Assert.False(string.IsNullOrEmpty(promptId));
        Assert.Equal(promptId, wait.GetTagItem("dhee.comfy.prompt_id"));
        Assert.Equal(promptId, download.GetTagItem("dhee.comfy.prompt_id"));
        Assert.Equal("succeeded", wait.GetTagItem("dhee.comfy.status"));
        Assert.Equal(output.Length, download.GetTagItem("dhee.download.bytes"));
        Assert.True(submit.StartTimeUtc + submit.Duration <= wait.StartTimeUtc);
        Assert.True(wait.StartTimeUtc + wait.Duration <= download.StartTimeUtc);

        // The node whose workflow failed on the server: the wait span and the node span carry the error.
        var inverted = nodes["inverted"];
        var failedWait = Assert.Single(capture.SpansNamed("dhee.comfy.wait"), s => s.ParentSpanId == inverted.SpanId);
        Assert.Equal(ActivityStatusCode.Error, failedWait.Status);
        Assert.Equal("failed", failedWait.GetTagItem("dhee.comfy.status"));
        Assert.Equal("comfy.failed", failedWait.GetTagItem("error.type"));
        Assert.Contains("ImageInvert", failedWait.StatusDescription, StringComparison.Ordinal);
        Assert.Equal(ActivityStatusCode.Error, inverted.Status);
        Assert.Equal("comfy.failed", inverted.GetTagItem("error.type"));
        Assert.DoesNotContain(capture.SpansNamed("dhee.comfy.download"), s => s.ParentSpanId == inverted.SpanId);

        var bytes = capture.Named("dhee.bytes.downloaded");
        Assert.Equal(output.Length, bytes.Sum(m => m.Value));
        Assert.All(bytes, m => Assert.Equal("comfyui", m.Tag("dhee.endpoint.kind")));
        Assert.All(bytes, m => Assert.Equal("By", m.Unit));
        var queue = capture.Named("dhee.queue.wait");
        Assert.NotEmpty(queue);
        Assert.All(queue, m => Assert.Equal("comfyui", m.Tag("dhee.endpoint.kind")));
        Assert.All(queue, m => Assert.True(m.Value >= 0));
        Assert.Contains(capture.Named("dhee.nodes.failed"), m => (string?)m.Tag("dhee.tool") == ComfyWorkflowRunner.Tool && (string?)m.Tag("error.type") == "comfy.failed");
    }

    [Fact]
    public async Task Walk_RunPodEndpoint_JobSpanUnderWaitWithRunPodTimingsAndQueueWait()
    {
        await using var worker = await LoopbackComfyServer.StartAsync();
        await using var runpod = await LoopbackRunPodServer.StartAsync(new LoopbackRunPodServerOptions { Comfy = worker });
        var endpoints = new EndpointOptions();
        endpoints.Endpoints["gen"] = new EndpointDefinition { Url = "runpod://" + runpod.EndpointId, BearerToken = runpod.ApiKey, ApiBase = runpod.ApiBase };
        using var capture = new TelemetryCapture(nameof(Walk_RunPodEndpoint_JobSpanUnderWaitWithRunPodTimingsAndQueueWait));

        var result = await WalkAsync(WriteBundle(), "cloud", endpoints, "plain");

        Assert.Equal(WalkStatus.Succeeded, result.Status);
        var output = new FileInfo(Path.Combine(_dir.Path, "cloud", "out", "plain.png"));
        var node = Assert.Single(capture.SpansNamed("dhee.node"));
        var submit = Assert.Single(capture.SpansNamed("dhee.comfy.submit"));
        var wait = Assert.Single(capture.SpansNamed("dhee.comfy.wait"));
        var download = Assert.Single(capture.SpansNamed("dhee.comfy.download"));
        Assert.All(new[] { submit, wait, download }, s =>
        {
            Assert.Equal(node.SpanId, s.ParentSpanId);
            Assert.Equal("runpod", s.GetTagItem("dhee.endpoint.kind"));
        });

        var job = Assert.Single(capture.SpansNamed("dhee.runpod.job"));
        Assert.Equal(wait.SpanId, job.ParentSpanId);
        Assert.Equal(runpod.EndpointId, job.GetTagItem("dhee.runpod.endpoint_id"));
        Assert.Equal(submit.GetTagItem("dhee.comfy.prompt_id"), job.GetTagItem("dhee.runpod.job_id"));
        Assert.Equal("COMPLETED", job.GetTagItem("dhee.runpod.status"));
        Assert.Equal(ActivityStatusCode.Unset, job.Status);
        var delayMs = Assert.IsType<long>(job.GetTagItem("dhee.runpod.delay_ms"));
        Assert.IsType<long>(job.GetTagItem("dhee.runpod.execution_ms"));

        var queue = Assert.Single(capture.Named("dhee.queue.wait"));
        Assert.Equal("runpod", queue.Tag("dhee.endpoint.kind"));
        Assert.Equal(delayMs / 1000.0, queue.Value);
        var bytes = Assert.Single(capture.Named("dhee.bytes.downloaded"));
        Assert.Equal("runpod", bytes.Tag("dhee.endpoint.kind"));
        Assert.Equal(output.Length, bytes.Value);
        Assert.Equal(output.Length, download.GetTagItem("dhee.download.bytes"));
    }

    [Fact]
    public async Task Walk_RunPodJobFails_JobSpanHasErrorStatusAndMessage()
    {
        await using var runpod = await LoopbackRunPodServer.StartAsync(new LoopbackRunPodServerOptions
        {
            Handler = (_, _) => throw new InvalidOperationException("worker ran out of VRAM"),
        });
        var endpoints = new EndpointOptions();
        endpoints.Endpoints["gen"] = new EndpointDefinition { Url = "runpod://" + runpod.EndpointId, BearerToken = runpod.ApiKey, ApiBase = runpod.ApiBase };
        using var capture = new TelemetryCapture(nameof(Walk_RunPodJobFails_JobSpanHasErrorStatusAndMessage));

        var result = await WalkAsync(WriteBundle(), "cloud-failing", endpoints, "plain");

        Assert.Equal(WalkStatus.Failed, result.Status);
        var job = Assert.Single(capture.SpansNamed("dhee.runpod.job"));
        Assert.Equal(ActivityStatusCode.Error, job.Status);
        Assert.Equal("FAILED", job.GetTagItem("dhee.runpod.status"));
        Assert.Equal("runpod.failed", job.GetTagItem("error.type"));
        Assert.Contains("worker ran out of VRAM", job.StatusDescription, StringComparison.Ordinal);
        Assert.Equal(ActivityStatusCode.Error, Assert.Single(capture.SpansNamed("dhee.walk")).Status);
    }

    private Bundle WriteBundle()
    {
        var bundleDir = Path.Combine(_dir.Path, "bundle");
        Directory.CreateDirectory(bundleDir);
        File.WriteAllText(Path.Combine(bundleDir, "plain.json"), """
            {"1": {"class_type": "EmptyImage", "inputs": {"width": 16, "height": 16, "batch_size": 1, "color": 1234}},
             "3": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "plain"}}}
            """);
        File.WriteAllText(Path.Combine(bundleDir, "inverted.json"), """
            {"1": {"class_type": "EmptyImage", "inputs": {"width": 16, "height": 16, "batch_size": 1, "color": 99}},
             "2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}},
             "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "inverted"}}}
            """);
        static BundleNode Node(string id, string workflow, params NodeInput[] inputs)
            => WalkTestKit.Stage(id, ComfyWorkflowRunner.Tool, format: OutputFormat.Image, config: new JsonObject { ["workflowPath"] = workflow + ".json", ["endpoint"] = "gen" }, inputs: inputs);
        BundleNode[] nodes = [Node("plain", "plain"), Node("inverted", "inverted"), Node("both", "plain", new NodeInput { From = "plain" }, new NodeInput { From = "inverted" })];
        return new Bundle { Id = "telemetry", Goal = "both", Nodes = nodes, BundleDir = bundleDir };
    }

    private async Task<WalkResult> WalkAsync(Bundle bundle, string project, EndpointOptions endpoints, string? to = null)
    {
        var executor = new ComfyExecutor(new ComfyClientFactory { ConfigureRunPod = o => o.PollInitialDelay = TimeSpan.FromMilliseconds(10) }, new EndpointResolver(endpoints, _ => null));
        return await new Walker([new ComfyWorkflowRunner(executor)]).WalkAsync(bundle, new WalkOptions
        {
            ProjectDir = Path.Combine(_dir.Path, project),
            To = to,
            Cache = GenerationCache.Disabled,
            Retry = new WalkRetryOptions { MaxRetryAttempts = 0 },
            WatchStopFile = false,
        });
    }
}
