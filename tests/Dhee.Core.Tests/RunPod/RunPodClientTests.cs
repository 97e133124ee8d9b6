using System.Net;
using System.Text.Json.Nodes;
using Dhee.RunPod;
using Dhee.Testing;
using Dhee.Testing.RunPod;
using Dhee.Tests.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Dhee.Tests.RunPod;

public sealed class RunPodClientTests : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private readonly TestProjectDirectory _dir = new("runpod-client");

    public void Dispose() => _dir.Dispose();

    private static JsonObject Workflow() => (JsonObject)JsonNode.Parse("""
        {"1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 0}},
         "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "rp"}}}
        """)!;

    private static RunPodClient Client(LoopbackRunPodServer server, ILogger? log = null, Action<RunPodClientOptions>? configure = null)
    {
        var options = new RunPodClientOptions { EndpointId = server.EndpointId, ApiBase = server.ApiBase, ApiKey = server.ApiKey, PollInitialDelay = TimeSpan.FromMilliseconds(10), PollMaxDelay = TimeSpan.FromMilliseconds(50) };
        configure?.Invoke(options);
        return new RunPodClient(Http, options, log);
    }

    private static JsonObject Input() => new() { ["workflow"] = Workflow() };

    [Fact]
    public async Task SubmitAndWait_CompletedJob_ReportsStatusChangesAndTimings()
    {
        await using var server = await LoopbackRunPodServer.StartAsync();
        server.Faults.HoldInQueue = true;
        server.Faults.HangInProgress = true;
        var client = Client(server);
        var job = await client.SubmitAsync(Input());
        var seen = new List<RunPodJobStatus>();

        // Each state is held until the client has reported it, so no state can be missed on a slow machine.
        var done = await client.WaitAsync(job.Id, new SyncProgress<RunPodJobStatus>(s =>
        {
            seen.Add(s);
            server.Faults.HoldInQueue = false;
            if (s.State == RunPodJobState.InProgress)
            {
                server.Faults.HangInProgress = false;
            }
        }));
        Assert.Equal(RunPodJobState.InQueue, seen[0].State);
        Assert.Equal(RunPodJobState.Completed, done.State);
        Assert.NotNull(done.DelayTimeMs);
        Assert.NotNull(done.ExecutionTimeMs);
        Assert.Contains(seen, s => s.State == RunPodJobState.InProgress);
        Assert.Equal(RunPodJobState.Completed, seen[^1].State);
        var output = RunPodWorkerOutput.Parse(done.Output);
        var file = Assert.Single(output.Files);
        var path = Path.Combine(_dir.Path, "out.png");
        var bytes = await client.SaveOutputAsync(file, path);
        Assert.Equal(bytes, new FileInfo(path).Length);
        Assert.Equal(0x89, File.ReadAllBytes(path)[0]);
    }

    [Fact]
    public async Task Wait_WorkerStreamsPartialOutputs_ArriveAsStreamAndProgressEvents()
    {
        await using var server = await LoopbackRunPodServer.StartAsync();
        server.Faults.HangInProgress = true;
        var client = new RunPodComfyClient(Client(server));
        var events = new List<Dhee.Comfy.ComfyEvent>();
        string? jobId = null;

        // The job runs until the client has seen the pushed progress, so the test cannot race the worker.
        var sink = new SyncProgress<Dhee.Comfy.ComfyEvent>(e =>
        {
            events.Add(e);
            if (e is Dhee.Comfy.ComfyExecutionStartedEvent)
            {
                server.PushStreamOutput(jobId!, JsonNode.Parse("""{"value": 7, "max": 20, "node": "3"}""")!);
                server.PushStreamOutput(jobId!, JsonNode.Parse("""{"text": "sampling"}""")!);
            }
            else if (e is Dhee.Comfy.ComfyNodeProgressEvent)
            {
                server.Faults.HangInProgress = false;
            }
        });
        var submission = await client.SubmitAsync(Workflow(), new Dhee.Comfy.ComfySubmitOptions { Progress = sink });
        jobId = submission.PromptId;
        var result = await client.WaitAsync(submission.PromptId);

        Assert.True(result.IsSuccess, result.Message);
        var progress = Assert.Single(events.OfType<Dhee.Comfy.ComfyNodeProgressEvent>());
        Assert.Equal(("3", 7L, 20L), (progress.NodeId, progress.Value, progress.Max));
        var streamed = events.OfType<RunPodStreamEvent>().ToList();
        Assert.Equal(2, streamed.Count);
        Assert.Equal("sampling", streamed[1].Output["text"]!.GetValue<string>());
        Assert.Contains($"GET /stream/{jobId}", server.RequestLog);
        Assert.Contains($"GET /status/{jobId}", server.RequestLog);
    }

    [Fact]
    public async Task Wait_EndpointWithoutStream_FallsBackToStatusPolling()
    {
        await using var server = await LoopbackRunPodServer.StartAsync();
        server.Faults.StreamUnsupported = true;
        var client = Client(server);
        var first = await client.WaitAsync((await client.SubmitAsync(Input())).Id);
        var second = await client.WaitAsync((await client.SubmitAsync(Input())).Id);

        Assert.Equal(RunPodJobState.Completed, first.State);
        Assert.Equal(RunPodJobState.Completed, second.State);
        Assert.NotEmpty(RunPodWorkerOutput.Parse(second).Files);

        // Tried once, then remembered for the client's later jobs.
        Assert.Single(server.RequestLog, r => r.StartsWith("GET /stream/", StringComparison.Ordinal));
        Assert.Contains(server.RequestLog, r => r.StartsWith("GET /status/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Wait_FailedJob_CarriesRunPodErrorText()
    {
        await using var server = await LoopbackRunPodServer.StartAsync();
        server.Faults.FailJobsWith = "CUDA out of memory";
        var client = Client(server);
        var done = await client.WaitAsync((await client.SubmitAsync(Input())).Id);
        Assert.Equal(RunPodJobState.Failed, done.State);
        Assert.Equal("CUDA out of memory", done.Error);
    }

    [Fact]
    public async Task Submit_RateLimited_WaitsRetryAfterThenSucceeds()
    {
        await using var server = await LoopbackRunPodServer.StartAsync();
        server.Faults.RateLimitNext("run", 2, retryAfterSeconds: 0);
        var client = Client(server);
        var job = await client.SubmitAsync(Input());
        Assert.False(string.IsNullOrEmpty(job.Id));
        Assert.Equal(3, server.RequestLog.Count(r => r == "POST /run"));
    }

    [Fact]
    public async Task Submit_RateLimitedPastBudget_FailsWith429Message()
    {
        await using var server = await LoopbackRunPodServer.StartAsync();
        server.Faults.RateLimitNext("run", 10, retryAfterSeconds: 0);
        var client = Client(server, configure: o => o.MaxRateLimitRetries = 2);
        var ex = await Assert.ThrowsAsync<RunPodException>(() => client.SubmitAsync(Input()));
        Assert.Equal(HttpStatusCode.TooManyRequests, ex.StatusCode);
        Assert.Contains("429", ex.Message, StringComparison.Ordinal);
        Assert.Equal(3, server.RequestLog.Count(r => r == "POST /run"));
    }

    [Fact]
    public async Task Wait_Cancelled_CancelsJobOnRunPod()
    {
        await using var server = await LoopbackRunPodServer.StartAsync();
        server.Faults.HangInProgress = true;
        var client = Client(server);
        var job = await client.SubmitAsync(Input());
        using var cts = new CancellationTokenSource();
        var wait = client.WaitAsync(job.Id, new SyncProgress<RunPodJobStatus>(s =>
        {
            if (s.State == RunPodJobState.InProgress)
            {
                cts.Cancel();
            }
        }), cancellationToken: cts.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
        Assert.Equal("CANCELLED", server.GetJobStatus(job.Id));
        Assert.Contains($"POST /cancel/{job.Id}", server.RequestLog);
    }

    [Fact]
    public async Task Wait_ClientDeadline_CancelsJobAndReportsTimedOut()
    {
        await using var server = await LoopbackRunPodServer.StartAsync();
        server.Faults.HoldInQueue = true;
        var client = Client(server, configure: o => o.Timeout = TimeSpan.FromMilliseconds(200));
        var job = await client.SubmitAsync(Input());
        var done = await client.WaitAsync(job.Id);
        Assert.Equal(RunPodJobState.TimedOut, done.State);
        Assert.True(done.ClientDeadlinePassed);
        Assert.Equal("CANCELLED", server.GetJobStatus(job.Id));
    }

    [Fact]
    public async Task Wait_EndpointTimeout_ReportsTimedOut()
    {
        await using var server = await LoopbackRunPodServer.StartAsync();
        server.Faults.TimeOutJobs = true;
        var client = Client(server);
        var done = await client.WaitAsync((await client.SubmitAsync(Input())).Id);
        Assert.Equal(RunPodJobState.TimedOut, done.State);
        Assert.False(done.ClientDeadlinePassed);
    }

    [Fact]
    public async Task RunSync_ShortJob_ReturnsOutputInOneCall()
    {
        await using var server = await LoopbackRunPodServer.StartAsync();
        var client = Client(server);
        var done = await client.RunSyncAsync(Input(), TimeSpan.FromSeconds(10));
        Assert.Equal(RunPodJobState.Completed, done.State);
        Assert.Single(RunPodWorkerOutput.Parse(done.Output).Files);
        Assert.DoesNotContain(server.RequestLog, r => r.StartsWith("GET /status", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RetryAndHealth_WorkAgainstEndpoint()
    {
        await using var server = await LoopbackRunPodServer.StartAsync();
        server.Faults.FailJobsWith = "boom";
        var client = Client(server);
        var job = await client.SubmitAsync(Input());
        Assert.Equal(RunPodJobState.Failed, (await client.WaitAsync(job.Id)).State);
        server.Faults.FailJobsWith = null;
        await client.RetryAsync(job.Id);
        Assert.Equal(RunPodJobState.Completed, (await client.WaitAsync(job.Id)).State);
        var health = await client.GetHealthAsync();
        Assert.Equal(1, health.Completed);
        Assert.Equal(1, health.Raw["jobs"]!["retried"]!.GetValue<int>());
    }

    [Fact]
    public async Task Calls_NeverLogOrReportTheApiKey()
    {
        await using var server = await LoopbackRunPodServer.StartAsync(new LoopbackRunPodServerOptions { ApiKey = "rpa_SECRET_123456" });
        var logs = new CapturingLoggerProvider();
        var log = logs.CreateLogger(nameof(RunPodClient));
        var client = Client(server, log);
        server.Faults.RateLimitNext("status", 1, 0);
        var job = await client.SubmitAsync(Input());
        await client.WaitAsync(job.Id);
        await client.CancelAsync(job.Id);
        var wrong = new RunPodClient(Http, new RunPodClientOptions { EndpointId = server.EndpointId, ApiBase = server.ApiBase, ApiKey = "rpa_WRONG_999" }, log);
        var ex = await Assert.ThrowsAsync<RunPodException>(() => wrong.SubmitAsync(Input()));
        Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode);
        Assert.Contains("RUNPOD_API_KEY", ex.Message, StringComparison.Ordinal);
        Assert.NotEmpty(logs.Entries);
        Assert.Contains(job.Id, logs.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", logs.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain("WRONG_999", logs.AllText + ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_NoKey_FailsNamingVariableWithoutCallingRunPod()
    {
        await using var server = await LoopbackRunPodServer.StartAsync();
        var client = new RunPodClient(Http, new RunPodClientOptions { EndpointId = server.EndpointId, ApiBase = server.ApiBase, CredentialVariable = "MY_RP_KEY" });
        var ex = await Assert.ThrowsAsync<RunPodException>(() => client.SubmitAsync(Input()));
        Assert.Contains("MY_RP_KEY", ex.Message, StringComparison.Ordinal);
        Assert.Empty(server.RequestLog);
    }

    [Theory]
    [InlineData(LoopbackRunPodOutputMode.S3Url)]
    [InlineData(LoopbackRunPodOutputMode.LegacyBase64)]
    [InlineData(LoopbackRunPodOutputMode.LegacyUrl)]
    public async Task SaveOutput_EveryOutputShape_WritesSameBytes(LoopbackRunPodOutputMode mode)
    {
        await using var server = await LoopbackRunPodServer.StartAsync();
        var client = Client(server);
        var reference = RunPodWorkerOutput.Parse((await client.RunSyncAsync(Input())).Output).Files[0];
        var expectedPath = Path.Combine(_dir.Path, "expected.png");
        await client.SaveOutputAsync(reference, expectedPath);

        server.Options.OutputMode = mode;
        var output = RunPodWorkerOutput.Parse((await client.RunSyncAsync(Input())).Output);
        Assert.Equal(mode != LoopbackRunPodOutputMode.S3Url, output.IsLegacy);
        var item = Assert.Single(output.Files);
        Assert.Equal(mode != LoopbackRunPodOutputMode.LegacyBase64, item.IsUrl);
        Assert.EndsWith(".png", item.Filename, StringComparison.Ordinal);
        var path = Path.Combine(_dir.Path, "actual.png");
        await client.SaveOutputAsync(item, path);
        Assert.Equal(File.ReadAllBytes(expectedPath), File.ReadAllBytes(path));
        Assert.Empty(Directory.GetFiles(_dir.Path, "*.tmp*"));
    }

    [Fact]
    public async Task SaveOutput_NonImageFromHandler_KeepsRealExtension()
    {
        await using var server = await LoopbackRunPodServer.StartAsync(new LoopbackRunPodServerOptions
        {
            Handler = (_, _) => Task.FromResult<IReadOnlyList<LoopbackRunPodFile>>([new LoopbackRunPodFile("clip_00001_.mp4", [0, 0, 0, 24, 0x66, 0x74, 0x79, 0x70, 1, 2, 3])]),
        });
        var client = Client(server);
        var item = Assert.Single(RunPodWorkerOutput.Parse((await client.RunSyncAsync(Input())).Output).Files);
        Assert.Equal("clip_00001_.mp4", item.Filename);
        var path = Path.Combine(_dir.Path, item.Filename);
        Assert.Equal(11, await client.SaveOutputAsync(item, path));
    }

    [Fact]
    public async Task SaveOutput_InlineBase64WithLineBreaksOrCorrupt_DecodedOrRefusedWithoutPartialFile()
    {
        var client = new RunPodClient(Http, new RunPodClientOptions { EndpointId = "x", ApiKey = "k" });
        var path = Path.Combine(_dir.Path, "inline.bin");
        Assert.Equal(4, await client.SaveOutputAsync(new RunPodOutputItem("inline.bin", false, "AQID\nBA"), path));
        Assert.Equal([1, 2, 3, 4], File.ReadAllBytes(path));

        var bad = Path.Combine(_dir.Path, "bad.bin");
        var ex = await Assert.ThrowsAsync<RunPodException>(() => client.SaveOutputAsync(new RunPodOutputItem("bad.bin", false, "AQ*D"), bad));
        Assert.Contains("bad.bin", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(bad));
        Assert.Empty(Directory.GetFiles(_dir.Path, "*.tmp*"));
    }

    [Fact]
    public void Parse_WorkerOutputs_AllShapes()
    {
        var v5 = RunPodWorkerOutput.Parse(JsonNode.Parse("""{"images": [{"filename": "../evil/a.webp", "type": "base64", "data": "UklGRg=="}], "errors": ["node 9 failed"]}"""));
        Assert.Equal("a.webp", v5.Files[0].Filename);
        Assert.Equal(["node 9 failed"], v5.Errors);
        var none = RunPodWorkerOutput.Parse(JsonNode.Parse("""{"status": "success_no_images", "images": []}"""));
        Assert.True(none.NoImages);
        Assert.Empty(none.Files);
        var legacy = RunPodWorkerOutput.Parse(JsonNode.Parse("""{"status": "success", "message": "data:image/jpeg;base64,/9j/AAAA"}"""));
        Assert.True(legacy.IsLegacy);
        Assert.Equal("output.jpg", legacy.Files[0].Filename);
        Assert.Equal("/9j/AAAA", legacy.Files[0].Data);
        var error = RunPodWorkerOutput.Parse(JsonNode.Parse("""{"error": "Workflow validation failed", "details": ["Node 3: ckpt missing"]}"""));
        Assert.Equal("Workflow validation failed: Node 3: ckpt missing", Assert.Single(error.Errors));
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
