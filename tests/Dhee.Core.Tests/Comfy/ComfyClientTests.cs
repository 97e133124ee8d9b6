using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dhee.Comfy;
using Dhee.Testing;
using Dhee.Testing.Comfy;

namespace Dhee.Tests.Comfy;

public sealed class ComfyClientTests
{
    private static readonly TimeSpan TestDeadline = TimeSpan.FromSeconds(60);

    private static ComfyClient NewClient(LoopbackComfyServer server, Action<ComfyClientOptions>? configure = null, Uri? baseUrl = null)
    {
        var options = new ComfyClientOptions
        {
            BaseUrl = baseUrl ?? server.BaseUri,
            InactivityTimeout = TimeSpan.FromMilliseconds(500),
            PollInterval = TimeSpan.FromMilliseconds(200),
            RetryBaseDelay = TimeSpan.FromMilliseconds(20),
            ReconnectBaseDelay = TimeSpan.FromMilliseconds(20),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
            OverallTimeout = TestDeadline,
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
        configure?.Invoke(options);
        return new ComfyClient(new HttpClient(), options);
    }

    private static LoopbackComfyServerOptions WithModels()
    {
        var o = new LoopbackComfyServerOptions();
        o.Models["checkpoints"] = ["sd15.safetensors", "sdxl.safetensors"];
        return o;
    }

    [Fact]
    public async Task RunAsync_SimpleWorkflow_SucceedsAndDownloadsOutput()
    {
        await using var server = await LoopbackComfyServer.StartAsync();
        await using var client = NewClient(server);
        var events = new ConcurrentQueue<ComfyEvent>();
        var result = await client.RunAsync(ComfyTestWorkflows.Simple(), new ComfySubmitOptions { Progress = new SyncProgress(events.Enqueue) });

        Assert.Equal(ComfyPromptStatus.Succeeded, result.Status);
        var file = Assert.Single(result.Files);
        Assert.Equal("simple_00001_.png", file.Filename);
        Assert.Equal("images", file.Kind);
        Assert.Contains(events, e => e is ComfyExecutingEvent { NodeId: "2" });
        Assert.Contains(events, e => e is ComfyNodeExecutedEvent { NodeId: "3" });

        using var dir = new TestProjectDirectory("comfy-dl");
        var target = Path.Combine(dir.Path, "out", "a.png");
        var bytes = await client.DownloadAsync(file, target);
        Assert.Equal(server.GetFile("output", string.Empty, file.Filename), await File.ReadAllBytesAsync(target));
        Assert.Equal(bytes, new FileInfo(target).Length);
        Assert.Single(Directory.GetFiles(Path.Combine(dir.Path, "out")));
        Assert.True(server.SocketConnections >= 1);
    }

    [Fact]
    public async Task SubmitAsync_OldServerMintsId_UsesServerIdAndNewServerKeepsClientId()
    {
        await using (var old = await LoopbackComfyServer.StartAsync())
        await using (var client = NewClient(old))
        {
            var submission = await client.SubmitAsync(ComfyTestWorkflows.Simple());
            var result = await client.WaitAsync(submission.PromptId);
            Assert.Equal(submission.PromptId, result.PromptId);
            Assert.True(result.IsSuccess);
        }

        await using var modern = await LoopbackComfyServer.StartAsync(new LoopbackComfyServerOptions { AcceptClientPromptId = true });
        await using var client2 = NewClient(modern);
        var id = Guid.NewGuid().ToString();
        var sub = await client2.SubmitAsync(ComfyTestWorkflows.Simple(), new ComfySubmitOptions { PromptId = id });
        Assert.Equal(id, sub.PromptId);
        Assert.Matches("^[0-9a-f-]{36}$", (await client2.SubmitAsync(ComfyTestWorkflows.Simple("b"))).PromptId);
    }

    [Theory]
    [InlineData("", false)]
    [InlineData("api", false)]
    [InlineData("api/", false)]
    [InlineData("", true)]
    [InlineData("api", true)]
    public async Task RunAsync_BaseUrlWithOrWithoutApiAndSubPath_NeverDoublesApi(string suffix, bool useApiPrefix)
    {
        await using var server = await LoopbackComfyServer.StartAsync(new LoopbackComfyServerOptions { PathPrefix = "/comfy" });
        var baseUrl = new Uri(server.BaseUri, suffix);
        await using var client = NewClient(server, o => o.UseApiPrefix = useApiPrefix, baseUrl);
        var result = await client.RunAsync(ComfyTestWorkflows.Simple());
        Assert.True(result.IsSuccess, result.Message);
        Assert.DoesNotContain("/api/api", client.BaseAddress.ToString(), StringComparison.Ordinal);
        Assert.True(server.SocketConnections >= 1);
    }

    [Fact]
    public async Task RunAsync_WsSchemeBaseUrl_WorksForHttpAndSocket()
    {
        await using var server = await LoopbackComfyServer.StartAsync();
        var ws = new UriBuilder(server.BaseUri) { Scheme = "ws" }.Uri;
        await using var client = NewClient(server, null, ws);
        Assert.Equal("http", client.BaseAddress.Scheme);
        Assert.True((await client.RunAsync(ComfyTestWorkflows.Simple())).IsSuccess);
    }

    [Fact]
    public async Task RunAsync_AuthHeaders_SentOnHttpAndWebSocket()
    {
        var options = new LoopbackComfyServerOptions();
        options.RequiredHeaders["Authorization"] = "Bearer t0k";
        options.RequiredHeaders["X-API-Key"] = "k3y";
        options.RequiredHeaders["X-Tenant"] = "acme";
        await using var server = await LoopbackComfyServer.StartAsync(options);
        await using var client = NewClient(server, o =>
        {
            o.BearerToken = "t0k";
            o.ApiKey = "k3y";
            o.Headers["X-Tenant"] = "acme";
        });
        Assert.True((await client.RunAsync(ComfyTestWorkflows.Simple())).IsSuccess);
        Assert.Equal(1, server.SocketConnections);

        await using var anonymous = NewClient(server);
        var ex = await Assert.ThrowsAsync<ComfyException>(() => anonymous.GetQueueAsync());
        Assert.Contains("credentials", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ConcurrentPrompts_EventsNeverMixed()
    {
        await using var server = await LoopbackComfyServer.StartAsync(WithModels());
        await using var client = NewClient(server);
        var (a, b) = await RunTwoWithoutMixingAsync(client, 5, 7);
        Assert.Equal(5, a.OfType<ComfyNodeProgressEvent>().Count());
        Assert.Equal(7, b.OfType<ComfyNodeProgressEvent>().Count());
        Assert.All(a.OfType<ComfyNodeProgressEvent>(), p => Assert.Equal(5, p.Max));
        var preview = a.OfType<ComfyPreviewEvent>().First();
        Assert.Equal("image/png", preview.MediaType);
        Assert.Equal(0x89, preview.Image.Span[0]);
        Assert.Equal(5, a.OfType<ComfyPreviewEvent>().Count());
        Assert.All(a.OfType<ComfyPreviewEvent>(), p => Assert.Equal("3", p.NodeId));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RunAsync_BinaryFrames_PreviewsType1Or4AndTextType3DecodedAsTypedEvents(bool metadata)
    {
        var options = WithModels();
        options.SendProgressText = true;
        await using var server = await LoopbackComfyServer.StartAsync(options);
        await using var client = NewClient(server, o => o.RequestPreviewMetadata = metadata);
        var events = new ConcurrentQueue<ComfyEvent>();
        var result = await client.RunAsync(ComfyTestWorkflows.TextToImage(steps: 2), new ComfySubmitOptions { Progress = new SyncProgress(events.Enqueue) });
        Assert.True(result.IsSuccess, result.Message);
        var previews = events.OfType<ComfyPreviewEvent>().ToList();
        Assert.Equal(2, previews.Count);
        Assert.All(previews, p =>
        {
            Assert.Equal("image/png", p.MediaType);
            Assert.Equal(result.PromptId, p.PromptId);
            Assert.Equal("3", p.NodeId);
            Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, p.Image[..4].ToArray());
        });
        var texts = events.OfType<ComfyTextEvent>().ToList();
        Assert.Equal(["step 1/2", "step 2/2"], texts.Select(t => t.Text).ToArray());
        Assert.All(texts, t =>
        {
            Assert.Equal(result.PromptId, t.PromptId);
            Assert.Equal("3", t.NodeId);
        });
    }

    [Fact]
    public async Task RunAsync_NewerServerSendsProgressState_SurfacedAsTypedEventsPerPrompt()
    {
        var options = WithModels();
        options.SendProgressState = true;
        await using var server = await LoopbackComfyServer.StartAsync(options);
        await using var client = NewClient(server);
        var (a, b) = await RunTwoWithoutMixingAsync(client, 2, 3);

        var states = a.OfType<ComfyProgressStateEvent>().ToList();
        Assert.NotEmpty(states);
        Assert.Contains(states, s => s.Nodes.Any(n => n is { NodeId: "3", State: "running", Value: 1, Max: 2 }));
        var last = states[^1];
        // Whichever prompt ran second found the loaders and encoders cached: those are never started, so never listed.
        Assert.Subset(last.Nodes.Select(n => n.NodeId).ToHashSet(), new HashSet<string> { "3", "8", "9" });
        Assert.All(last.Nodes, n => Assert.Equal("finished", n.State));
        Assert.Contains(b.OfType<ComfyProgressStateEvent>(), s => s.Nodes.Any(n => n is { NodeId: "3", Value: 3, Max: 3 }));

        server.Faults.FailClassType = "SaveImage";
        var f = new ConcurrentQueue<ComfyEvent>();
        var failed = await client.RunAsync(ComfyTestWorkflows.TextToImage(seed: 3, steps: 1), new ComfySubmitOptions { Progress = new SyncProgress(f.Enqueue) });
        Assert.Equal(ComfyPromptStatus.Failed, failed.Status);
        Assert.Contains(f.OfType<ComfyProgressStateEvent>(), s => s.Nodes.Any(n => n is { NodeId: "9", State: "error" }));

        await using var old = await LoopbackComfyServer.StartAsync(WithModels());
        await using var oldClient = NewClient(old);
        var c = new ConcurrentQueue<ComfyEvent>();
        Assert.True((await oldClient.RunAsync(ComfyTestWorkflows.TextToImage(steps: 2), new ComfySubmitOptions { Progress = new SyncProgress(c.Enqueue) })).IsSuccess);
        Assert.Empty(c.OfType<ComfyProgressStateEvent>());
        Assert.Equal(2, c.OfType<ComfyNodeProgressEvent>().Count());
    }

    [Theory]
    [InlineData(false, LoopbackFailureKind.ResetAfterProcessing, false)]
    [InlineData(false, LoopbackFailureKind.ResetAfterProcessing, true)]
    [InlineData(true, LoopbackFailureKind.ResetAfterProcessing, true)]
    [InlineData(false, LoopbackFailureKind.HangAfterProcessing, false)]
    [InlineData(true, LoopbackFailureKind.HangAfterProcessing, false)]
    public async Task SubmitAsync_PostAcceptedButAnswerLost_AdoptsAcceptedPromptAndRunsItOnce(bool serverHonoursClientId, LoopbackFailureKind kind, bool queuePaused)
    {
        await using var server = await LoopbackComfyServer.StartAsync(new LoopbackComfyServerOptions { AcceptClientPromptId = serverHonoursClientId });
        await using var client = NewClient(server, o => o.RequestTimeout = TimeSpan.FromSeconds(3));
        server.Faults.PauseQueue = queuePaused;
        server.Faults.FailNext("POST", "/prompt", kind);

        var submission = await client.SubmitAsync(ComfyTestWorkflows.Simple());
        Assert.Equal(1, server.AcceptedPrompts);
        if (queuePaused)
        {
            Assert.Equal([submission.PromptId], (await client.GetQueueAsync()).Pending);
            server.Faults.PauseQueue = false;
        }

        var result = await client.WaitAsync(submission.PromptId);
        Assert.True(result.IsSuccess, result.Message);
        Assert.Equal("simple_00001_.png", Assert.Single(result.Files).Filename);
        Assert.Equal(1, server.RequestLog.Count(r => r == "POST /prompt"));
        Assert.Equal(1, server.AcceptedPrompts);
        using var http = new HttpClient();
        Assert.Single((await http.GetFromJsonAsync<JsonObject>(new Uri(server.BaseUri, "history")))!);
        Assert.Contains(server.RequestLog, r => r.StartsWith("GET /history?max_items=", StringComparison.Ordinal) || r == "GET /queue");
    }

    [Fact]
    public async Task SubmitAsync_PostRefusedWith503_ChecksThenResubmitsAndRunsOnce()
    {
        await using var server = await LoopbackComfyServer.StartAsync();
        await using var client = NewClient(server);
        server.Faults.FailNext("POST", "/prompt", LoopbackFailureKind.ServiceUnavailable, times: 2);
        var result = await client.RunAsync(ComfyTestWorkflows.Simple());
        Assert.True(result.IsSuccess, result.Message);
        Assert.Equal(3, server.RequestLog.Count(r => r == "POST /prompt"));
        Assert.Equal(1, server.AcceptedPrompts);
    }

    [Fact]
    public async Task SubmitAsync_PostAnswerLostAndQueueUnreadable_DoesNotResubmitAndNamesTheMarker()
    {
        await using var server = await LoopbackComfyServer.StartAsync();
        await using var client = NewClient(server);
        server.Faults.PauseQueue = true;
        server.Faults.FailNext("POST", "/prompt", LoopbackFailureKind.ResetAfterProcessing);
        server.Faults.FailNext("GET", "/queue", LoopbackFailureKind.ConnectionReset, times: 100);

        var ex = await Assert.ThrowsAsync<ComfyException>(() => client.SubmitAsync(ComfyTestWorkflows.Simple()));
        Assert.Contains("not resubmitted", ex.Message, StringComparison.Ordinal);
        Assert.Contains("extra_data.dhee_submission", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, server.RequestLog.Count(r => r == "POST /prompt"));
        Assert.Equal(1, server.AcceptedPrompts);
    }

    [Fact]
    public async Task SubmitAsync_PostNeverReachesServer_ResubmitsAfterCheckingAndRunsOnce()
    {
        await using var server = await LoopbackComfyServer.StartAsync();
        await using var client = NewClient(server);
        server.Faults.FailNext("POST", "/prompt", LoopbackFailureKind.ConnectionReset);
        var result = await client.RunAsync(ComfyTestWorkflows.Simple());
        Assert.True(result.IsSuccess, result.Message);
        Assert.Equal(2, server.RequestLog.Count(r => r == "POST /prompt"));
        Assert.Equal(1, server.AcceptedPrompts);
        Assert.Contains("GET /queue", server.RequestLog);
    }

    [Fact]
    public async Task RunAsync_CachedResubmit_StillReturnsOutputsFromHistory()
    {
        await using var server = await LoopbackComfyServer.StartAsync();
        await using var client = NewClient(server);
        var first = await client.RunAsync(ComfyTestWorkflows.Simple("c"));
        var events = new ConcurrentQueue<ComfyEvent>();
        var second = await client.RunAsync(ComfyTestWorkflows.Simple("c"), new ComfySubmitOptions { Progress = new SyncProgress(events.Enqueue) });
        Assert.True(second.IsSuccess);
        Assert.Equal(["1", "2", "3"], second.CachedNodes);
        Assert.Equal(first.Files.Single().Filename, second.Files.Single().Filename);
        Assert.DoesNotContain(events, e => e is ComfyExecutingEvent);
    }

    [Fact]
    public async Task SubmitAsync_ValueNotInList_ThrowsTypedErrorWithInstalledValuesHint()
    {
        await using var server = await LoopbackComfyServer.StartAsync(WithModels());
        await using var client = NewClient(server);
        var ex = await Assert.ThrowsAsync<ComfyValidationException>(() => client.SubmitAsync(ComfyTestWorkflows.TextToImage(ckpt: "missing.safetensors")));
        Assert.Equal("prompt_outputs_failed_validation", ex.ErrorType);
        var error = Assert.Single(ex.NodeErrors);
        Assert.Equal("4", error.NodeId);
        Assert.Equal("CheckpointLoaderSimple", error.ClassType);
        Assert.Equal("ckpt_name", error.InputName);
        Assert.Equal("missing.safetensors", error.ReceivedValue);
        Assert.Equal("model or file not installed on this endpoint; installed values: sd15.safetensors, sdxl.safetensors", error.Hint);
        Assert.Contains("node 4 (CheckpointLoaderSimple)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubmitAsync_PromptLevelErrors_AcceptEmptyListNodeErrorsAndStringError()
    {
        await using var server = await LoopbackComfyServer.StartAsync();
        await using var client = NewClient(server);
        var unknown = await Assert.ThrowsAsync<ComfyValidationException>(() => client.SubmitAsync(ComfyTestWorkflows.Parse("""{"1": {"class_type": "NoSuchNode", "inputs": {}}}""")));
        Assert.Equal("invalid_prompt", unknown.ErrorType);
        Assert.Empty(unknown.NodeErrors);
        Assert.Contains("NoSuchNode does not exist", unknown.Message, StringComparison.Ordinal);

        var missingFile = await Assert.ThrowsAsync<ComfyValidationException>(() => client.SubmitAsync(ComfyTestWorkflows.Parse("""{"1": {"class_type": "LoadImage", "inputs": {"image": "nope.png"}}, "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "x"}}}""")));
        Assert.Equal("custom_validation_failed", missingFile.NodeErrors.Single().Type);
        Assert.Contains("upload it first", missingFile.NodeErrors.Single().Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubmitAsync_ValidateFirst_FailsBeforeQueueing()
    {
        await using var server = await LoopbackComfyServer.StartAsync(WithModels());
        await using var client = NewClient(server);
        var wf = ComfyTestWorkflows.TextToImage(ckpt: "nope.ckpt");
        wf["5"]!["inputs"]!["width"] = 4;
        wf["3"]!["inputs"]!["positive"] = new JsonArray("42", 0);
        wf["8"]!["inputs"]!["vae"] = new JsonArray("4", 7);
        wf["6"]!.AsObject()["inputs"]!.AsObject().Remove("text");
        wf["10"] = new JsonObject { ["class_type"] = "FancyCustomNode", ["inputs"] = new JsonObject() };
        var ex = await Assert.ThrowsAsync<ComfyValidationException>(() => client.SubmitAsync(wf, new ComfySubmitOptions { ValidateFirst = true }));
        var types = ex.NodeErrors.Select(e => $"{e.NodeId}:{e.Type}").OrderBy(s => s, StringComparer.Ordinal).ToArray();
        Assert.Equal(["10:invalid_prompt", "3:bad_linked_input", "4:value_not_in_list", "5:value_smaller_than_min", "6:required_input_missing", "8:bad_linked_input"], types);
        Assert.Equal(0, server.AcceptedPrompts);
    }

    [Fact]
    public async Task RunAsync_RuntimeError_FailsWithNodeAndException()
    {
        await using var server = await LoopbackComfyServer.StartAsync();
        server.AddInputFile("corrupt.png", [1, 2, 3]);
        await using var client = NewClient(server);
        var result = await client.RunAsync(ComfyTestWorkflows.Parse("""{"1": {"class_type": "LoadImage", "inputs": {"image": "corrupt.png"}}, "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "never"}}}"""));
        Assert.Equal(ComfyPromptStatus.Failed, result.Status);
        Assert.Equal("1", result.Error!.NodeId);
        Assert.Equal("LoadImage", result.Error.NodeType);
        Assert.Equal("PIL.UnidentifiedImageError", result.Error.ExceptionType);
        Assert.Contains("cannot identify image file", result.Message, StringComparison.Ordinal);
        Assert.Throws<ComfyException>(() => result.EnsureSuccess());
    }

    [Fact]
    public async Task CancelAsync_RunningPrompt_InterruptsByIdAndQueuedPromptIsDeleted()
    {
        await using var server = await LoopbackComfyServer.StartAsync();
        server.Faults.HangExecution = true;
        await using var client = NewClient(server);
        var running = await client.SubmitAsync(ComfyTestWorkflows.Simple("r"));
        var queued = await client.SubmitAsync(ComfyTestWorkflows.Simple("q"));
        await WaitUntilAsync(async () => (await client.GetQueueAsync()).Running.Contains(running.PromptId));

        Assert.Equal(ComfyPromptStatus.Queued, await client.CancelAsync(queued.PromptId));
        Assert.DoesNotContain(queued.PromptId, (await client.GetQueueAsync()).Pending);
        Assert.Equal(ComfyPromptStatus.Running, await client.CancelAsync(running.PromptId));
        var result = await client.WaitAsync(running.PromptId);
        Assert.Equal(ComfyPromptStatus.Interrupted, result.Status);
        Assert.Contains(server.RequestLog, r => r.StartsWith("POST /interrupt", StringComparison.Ordinal));
        Assert.Contains(server.RequestLog, r => r.StartsWith("POST /queue", StringComparison.Ordinal));
    }

    private static LoopbackComfyServerOptions NewerServer() => new() { ServeJobsApi = true, AcceptClientPromptId = true };

    [Fact]
    public async Task JobsApi_NewerServer_TruthAndCancelGoThroughJobsAndOlderServerKeepsHistoryAndQueue()
    {
        await using var server = await LoopbackComfyServer.StartAsync(NewerServer());
        server.Faults.HangExecution = true;
        await using var client = NewClient(server);
        var running = await client.SubmitAsync(ComfyTestWorkflows.Simple("r"));
        var queued = await client.SubmitAsync(ComfyTestWorkflows.Simple("q"));
        await WaitUntilAsync(async () => await client.GetStatusAsync(running.PromptId) == ComfyPromptStatus.Running);
        Assert.True(client.ServesJobsApi);
        Assert.Equal(ComfyPromptStatus.Queued, await client.GetStatusAsync(queued.PromptId));

        Assert.Equal(ComfyPromptStatus.Queued, await client.CancelAsync(queued.PromptId));
        Assert.Equal(ComfyPromptStatus.Running, await client.CancelAsync(running.PromptId));
        Assert.Equal(ComfyPromptStatus.Interrupted, (await client.WaitAsync(running.PromptId)).Status);
        Assert.Equal(ComfyPromptStatus.Lost, await client.GetStatusAsync(queued.PromptId));
        Assert.Contains($"POST /jobs/{queued.PromptId}/cancel", server.RequestLog);
        Assert.Contains($"POST /jobs/{running.PromptId}/cancel", server.RequestLog);
        Assert.DoesNotContain(server.RequestLog, r => r.StartsWith("POST /interrupt", StringComparison.Ordinal) || r.StartsWith("POST /queue", StringComparison.Ordinal));

        server.Faults.HangExecution = false;
        var done = await client.RunAsync(ComfyTestWorkflows.Simple("ok"));
        Assert.True(done.IsSuccess, done.Message);
        Assert.Equal("ok_00001_.png", Assert.Single(done.Files).Filename);
        server.Faults.FailClassType = "ImageInvert";
        var failed = await client.RunAsync(ComfyTestWorkflows.Simple("bad", color: 5));
        Assert.Equal(ComfyPromptStatus.Failed, failed.Status);
        Assert.Equal("ImageInvert", failed.Error!.NodeType);
        Assert.DoesNotContain(server.RequestLog, r => r.StartsWith("GET /history", StringComparison.Ordinal));

        await using var old = await LoopbackComfyServer.StartAsync();
        await using var oldClient = NewClient(old);
        Assert.True((await oldClient.RunAsync(ComfyTestWorkflows.Simple())).IsSuccess);
        Assert.False(oldClient.ServesJobsApi);
        Assert.Single(old.RequestLog, r => r.StartsWith("GET /jobs/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task JobsApi_ServerRestartsMidRun_FailsFastAsLost()
    {
        await using var server = await LoopbackComfyServer.StartAsync(NewerServer());
        server.Faults.HangExecution = true;
        await using var client = NewClient(server, o => o.InactivityTimeout = TimeSpan.FromSeconds(30));
        var submission = await client.SubmitAsync(ComfyTestWorkflows.Simple());
        await WaitUntilAsync(async () => await client.GetStatusAsync(submission.PromptId) == ComfyPromptStatus.Running);
        var wait = client.WaitAsync(submission.PromptId);
        server.Restart();
        var result = await wait.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(ComfyPromptStatus.Lost, result.Status);
        Assert.Contains("restarted", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubmitAsync_PostNeverReachesJobsServer_UnknownJobIsNotTakenAsProofAndPromptRunsOnce()
    {
        await using var server = await LoopbackComfyServer.StartAsync(NewerServer());
        await using var client = NewClient(server);
        server.Faults.FailNext("POST", "/prompt", LoopbackFailureKind.ConnectionReset);
        var result = await client.RunAsync(ComfyTestWorkflows.Simple());
        Assert.True(result.IsSuccess, result.Message);
        Assert.Equal(2, server.RequestLog.Count(r => r == "POST /prompt"));
        Assert.Equal(1, server.AcceptedPrompts);
        Assert.True(client.ServesJobsApi);

        // Before the API was seen answering, its JSON 404 only sent the client on to /queue and /history.
        var log = server.RequestLog.ToList();
        Assert.True(log.IndexOf("GET /queue") > log.IndexOf($"GET /jobs/{result.PromptId}"));
    }

    [Fact]
    public async Task SubmitAsync_PostAnswerLostOnJobsServer_FoundByOneJobReadAndRunsOnce()
    {
        await using var server = await LoopbackComfyServer.StartAsync(NewerServer());
        await using var client = NewClient(server);
        server.Faults.FailNext("POST", "/prompt", LoopbackFailureKind.ResetAfterProcessing);
        var result = await client.RunAsync(ComfyTestWorkflows.Simple());
        Assert.True(result.IsSuccess, result.Message);
        Assert.Equal(1, server.AcceptedPrompts);
        Assert.Equal(1, server.RequestLog.Count(r => r == "POST /prompt"));
        Assert.Contains($"GET /jobs/{result.PromptId}", server.RequestLog);
        Assert.DoesNotContain(server.RequestLog, r => r.StartsWith("GET /history", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WaitAsync_CallerCancels_ThrowsAndInterruptsOnServer()
    {
        await using var server = await LoopbackComfyServer.StartAsync();
        server.Faults.HangExecution = true;
        await using var client = NewClient(server);
        var submission = await client.SubmitAsync(ComfyTestWorkflows.Simple());
        await WaitUntilAsync(async () => (await client.GetQueueAsync()).Running.Contains(submission.PromptId));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.WaitAsync(submission.PromptId, cts.Token));
        await WaitUntilAsync(async () => await client.GetStatusAsync(submission.PromptId) == ComfyPromptStatus.Interrupted);
    }

    [Fact]
    public async Task Fault_DropSocketMidRun_ReconnectsAndSucceeds()
    {
        await using var server = await LoopbackComfyServer.StartAsync(new LoopbackComfyServerOptions { NodeDelay = TimeSpan.FromMilliseconds(50) });
        server.Faults.DropSocketMidRun = true;
        await using var client = NewClient(server, o => o.InactivityTimeout = TimeSpan.FromSeconds(30));
        var events = new ConcurrentQueue<ComfyEvent>();
        var result = await client.RunAsync(ComfyTestWorkflows.Simple(), new ComfySubmitOptions { Progress = new SyncProgress(events.Enqueue) });
        Assert.True(result.IsSuccess, result.Message);
        Assert.True(client.SocketConnections >= 2);
        Assert.Contains(events, e => e is ComfyReconnectedEvent);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task Fault_CompletionFramesMissingOrHeartbeatOnly_TruthFoundAfterInactivity(bool suppress, bool heartbeatOnly)
    {
        await using var server = await LoopbackComfyServer.StartAsync();
        server.Faults.SuppressCompletionFrames = suppress;
        server.Faults.HeartbeatOnly = heartbeatOnly;
        server.Faults.HeartbeatInterval = TimeSpan.FromMilliseconds(50);
        await using var client = NewClient(server);
        var result = await client.RunAsync(ComfyTestWorkflows.Simple());
        Assert.True(result.IsSuccess, result.Message);
        Assert.Single(result.Files);
    }

    [Fact]
    public async Task Fault_SocketsRefused_ReconnectsWithinBudgetThenPollsToSuccess()
    {
        await using var server = await LoopbackComfyServer.StartAsync(new LoopbackComfyServerOptions { NodeDelay = TimeSpan.FromMilliseconds(200) });
        server.Faults.RejectSockets = true;
        await using var client = NewClient(server, o =>
        {
            o.ReconnectBudget = 2;
            o.ConnectTimeout = TimeSpan.FromMilliseconds(500);
        });
        var result = await client.RunAsync(ComfyTestWorkflows.Simple()).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(result.IsSuccess, result.Message);
        await Task.Delay(500);
        var attempts = server.RequestLog.Count(r => r.StartsWith("GET /ws", StringComparison.Ordinal));
        Assert.InRange(attempts, 1, 3);
        Assert.False(client.IsSocketConnected);
    }

    [Fact]
    public async Task Fault_ServerRestartsMidRun_FailsFastAsLost()
    {
        await using var server = await LoopbackComfyServer.StartAsync();
        server.Faults.HangExecution = true;
        await using var client = NewClient(server, o => o.InactivityTimeout = TimeSpan.FromSeconds(30));
        var submission = await client.SubmitAsync(ComfyTestWorkflows.Simple());
        await WaitUntilAsync(async () => (await client.GetQueueAsync()).Running.Contains(submission.PromptId));
        var wait = client.WaitAsync(submission.PromptId);
        server.Restart();
        var result = await wait.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(ComfyPromptStatus.Lost, result.Status);
        Assert.Contains("restarted", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fault_ExecutionNeverEnds_TimesOutWithinDeadline()
    {
        await using var server = await LoopbackComfyServer.StartAsync();
        server.Faults.HangExecution = true;
        await using var client = NewClient(server, o => o.ExecutionTimeout = TimeSpan.FromMilliseconds(700));
        var result = await client.RunAsync(ComfyTestWorkflows.Simple()).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(ComfyPromptStatus.TimedOut, result.Status);
        Assert.Contains("execution timeout", result.Message, StringComparison.Ordinal);

        server.Faults.HangExecution = false;
        server.Faults.PauseQueue = true;
        await using var queued = NewClient(server, o => o.QueueTimeout = TimeSpan.FromMilliseconds(500));
        var q = await queued.RunAsync(ComfyTestWorkflows.Simple("z")).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(ComfyPromptStatus.TimedOut, q.Status);
        Assert.Contains("queue timeout", q.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("POST", "/prompt", LoopbackFailureKind.ServiceUnavailable)]
    [InlineData("GET", "/history", LoopbackFailureKind.BadGateway)]
    [InlineData("GET", "/history", LoopbackFailureKind.ConnectionReset)]
    [InlineData("GET", "/view", LoopbackFailureKind.GatewayTimeout)]
    [InlineData("GET", "/view", LoopbackFailureKind.ConnectionReset)]
    public async Task Fault_TransientHttpFailures_AreRetried(string method, string path, LoopbackFailureKind kind)
    {
        await using var server = await LoopbackComfyServer.StartAsync();
        await using var client = NewClient(server);
        server.Faults.FailNext(method, path, kind, times: 2);
        var result = await client.RunAsync(ComfyTestWorkflows.Simple());
        Assert.True(result.IsSuccess, result.Message);
        using var dir = new TestProjectDirectory("comfy-retry");
        var target = Path.Combine(dir.Path, "a.png");
        await client.DownloadAsync(result.Files[0], target);
        Assert.True(new FileInfo(target).Length > 0);
    }

    [Fact]
    public async Task Fault_TruncatedAndSlowDownloads_CompleteWithoutPartialFiles()
    {
        await using var server = await LoopbackComfyServer.StartAsync();
        server.Faults.LargeOutputBytes = 3 * 1024 * 1024 + 17;
        await using var client = NewClient(server);
        var result = await client.RunAsync(ComfyTestWorkflows.Simple());
        server.Faults.TruncateNextDownloads(2);
        server.Faults.SlowStreamDelay = TimeSpan.FromMilliseconds(1);
        using var dir = new TestProjectDirectory("comfy-trunc");
        var target = Path.Combine(dir.Path, "big.bin");
        Assert.Equal(3 * 1024 * 1024 + 17, await client.DownloadAsync(result.Files[0], target));
        var bytes = await File.ReadAllBytesAsync(target);
        Assert.Equal(3 * 1024 * 1024 + 17, bytes.Length);
        var seed = bytes[0];
        for (var i = 0; i < bytes.Length; i += 4099)
        {
            Assert.Equal((byte)((i + seed) % 251), bytes[i]);
        }

        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public async Task DownloadAsync_PersistentFailure_FailsActionablyAndLeavesNoFile()
    {
        await using var server = await LoopbackComfyServer.StartAsync();
        await using var client = NewClient(server, o => o.TransientRetries = 2);
        var result = await client.RunAsync(ComfyTestWorkflows.Simple());
        server.Faults.TruncateNextDownloads(10);
        server.Faults.LargeOutputBytes = 1;
        using var dir = new TestProjectDirectory("comfy-fail");
        var target = Path.Combine(dir.Path, "a.png");
        await Assert.ThrowsAsync<ComfyException>(() => client.DownloadAsync(result.Files[0], target));
        Assert.Empty(Directory.GetFiles(dir.Path));

        var missing = await Assert.ThrowsAsync<ComfyException>(() => client.DownloadAsync(new ComfyOutputFile("9", "images", "gone.png", string.Empty, "output"), target));
        Assert.Contains("404", missing.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public async Task RunAsync_ServerUnreachable_FailsWithinDeadline()
    {
        var options = new ComfyClientOptions
        {
            BaseUrl = new Uri("http://127.0.0.1:9/"),
            ConnectTimeout = TimeSpan.FromMilliseconds(300),
            TransientRetries = 1,
            RetryBaseDelay = TimeSpan.FromMilliseconds(10),
            ReconnectBudget = 1,
        };
        await using var client = new ComfyClient(new HttpClient(), options);
        var ex = await Assert.ThrowsAsync<ComfyException>(() => client.RunAsync(ComfyTestWorkflows.Simple()).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("Cannot reach ComfyUI at http://127.0.0.1:9", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UploadAsync_NoTransientRetries_FailsOnFirstFaultWithComfyException()
    {
        await using var server = await LoopbackComfyServer.StartAsync();
        await using var client = NewClient(server, o => o.TransientRetries = 0);
        server.Faults.FailNext("POST", "/upload/image", LoopbackFailureKind.BadGateway);
        using var dir = new TestProjectDirectory("comfy-noretry");
        var path = Path.Combine(dir.Path, "in.png");
        await File.WriteAllBytesAsync(path, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 7]);

        await Assert.ThrowsAsync<ComfyException>(() => client.UploadAsync(path));
        Assert.Equal(1, server.RequestLog.Count(r => r.StartsWith("POST /upload/image", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task UploadAsync_SameBytesTwice_UploadsOnceAndUsesReturnedName()
    {
        await using var server = await LoopbackComfyServer.StartAsync();
        await using var client = NewClient(server);
        server.Faults.FailNext("POST", "/upload/image", LoopbackFailureKind.BadGateway);
        using var dir = new TestProjectDirectory("comfy-up");
        var path = Path.Combine(dir.Path, "in.png");
        await File.WriteAllBytesAsync(path, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 42]);
        var first = await client.UploadAsync(path);
        var second = await client.UploadAsync(path);
        Assert.False(first.Reused);
        Assert.True(second.Reused);
        Assert.Equal(first.Name, second.Name);
        Assert.StartsWith("dhee-", first.Name, StringComparison.Ordinal);
        Assert.Equal(2, server.RequestLog.Count(r => r.StartsWith("POST /upload/image", StringComparison.Ordinal)));
        Assert.Equal([first.Name], server.InputFiles);

        var mask = await client.UploadAsync(path, ComfyUploadKind.Mask, first);
        Assert.Equal("input", mask.Type);

        var wf = ComfyTestWorkflows.Parse(("""{"1": {"class_type": "LoadImage", "inputs": {"image": "@@first.WorkflowValue@@"}}, "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "up"}}}""").Replace("@@first.WorkflowValue@@", (first.WorkflowValue).ToString(), StringComparison.Ordinal));
        Assert.True((await client.RunAsync(wf)).IsSuccess);
    }

    [Fact]
    public async Task RunAsync_OutputKinds_AnimatedAudioGifsTextAndTemp()
    {
        var options = new LoopbackComfyServerOptions();
        options.AdditionalNodeClasses["VHS_VideoCombine"] = ComfyTestWorkflows.Parse("""{"input": {"required": {"images": ["IMAGE"], "filename_prefix": ["STRING", {"default": "vid"}]}}, "input_order": {"required": ["images", "filename_prefix"]}, "output": [], "output_is_list": [], "output_name": [], "name": "VHS_VideoCombine", "display_name": "Video Combine", "description": "", "python_module": "custom", "category": "video", "output_node": true}""");
        options.AdditionalNodeClasses["ShowText"] = ComfyTestWorkflows.Parse("""{"input": {"required": {"text": ["STRING", {}]}}, "input_order": {"required": ["text"]}, "output": [], "output_is_list": [], "output_name": [], "name": "ShowText", "display_name": "Show Text", "description": "", "python_module": "custom", "category": "text", "output_node": true}""");
        await using var server = await LoopbackComfyServer.StartAsync(options);
        await using var client = NewClient(server);
        var wf = ComfyTestWorkflows.Parse("""
            {"1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 2, "color": 0}},
             "2": {"class_type": "SaveAnimatedWEBP", "inputs": {"images": ["1", 0], "filename_prefix": "anim", "fps": 6.0, "lossless": true, "quality": 80, "method": "default"}},
             "3": {"class_type": "VHS_VideoCombine", "inputs": {"images": ["1", 0], "filename_prefix": "vids/clip"}},
             "4": {"class_type": "ShowText", "inputs": {"text": "hello"}},
             "5": {"class_type": "PreviewImage", "inputs": {"images": ["1", 0]}},
             "6": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "batch"}}}
            """);
        var result = await client.RunAsync(wf);
        Assert.True(result.IsSuccess, result.Message);
        Assert.True(result.Files.Single(f => f.NodeId == "2").Animated);
        var gif = result.Files.Single(f => f.Kind == "gifs");
        Assert.Equal("vids", gif.Subfolder);
        Assert.Equal(".mp4", gif.Extension);
        Assert.Equal("hello", result.Texts.Single().Value);
        Assert.Equal(2, result.Files.Count(f => f.NodeId == "5" && f.IsTemporary));
        Assert.Equal(2, result.Files.Count(f => f.NodeId == "6"));
        Assert.DoesNotContain(result.PrimaryFiles, f => f.IsTemporary);
        Assert.NotNull(result.RawOutputs["3"]!["gifs"]![0]!["frame_rate"]);
    }

    [Fact]
    public async Task InfoRoutes_ObjectInfoCachedSystemStatsQueueModels()
    {
        var options = WithModels();
        await using var server = await LoopbackComfyServer.StartAsync(options);
        await using var client = NewClient(server);
        ComfyClient.ClearCachesForTests();
        var info = await client.GetObjectInfoAsync();
        var again = await client.GetObjectInfoAsync();
        Assert.Same(info, again);
        Assert.Equal(1, server.RequestLog.Count(r => r == "GET /object_info"));
        Assert.True(info.IsOutputNode("SaveImage"));
        Assert.Equal(["sd15.safetensors", "sdxl.safetensors"], info.GetInputs("CheckpointLoaderSimple")[0].Options);
        Assert.Equal("0.3.18", (await client.GetSystemStatsAsync())["system"]!["comfyui_version"]!.GetValue<string>());
        Assert.Empty((await client.GetQueueAsync()).Pending);
        Assert.Equal(["sd15.safetensors", "sdxl.safetensors"], await client.GetModelsAsync("checkpoints"));
    }

    internal static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!await condition())
        {
            await Task.Delay(20, cts.Token);
        }
    }

    internal sealed class SyncProgress(Action<ComfyEvent> action) : IProgress<ComfyEvent>
    {
        public void Report(ComfyEvent value) => action(value);
    }

    /// <summary>Runs two prompts at once on one client and checks that each one's events carry only its own prompt id.</summary>
    private static async Task<(ConcurrentQueue<ComfyEvent> A, ConcurrentQueue<ComfyEvent> B)> RunTwoWithoutMixingAsync(ComfyClient client, int stepsA, int stepsB)
    {
        var a = new ConcurrentQueue<ComfyEvent>();
        var b = new ConcurrentQueue<ComfyEvent>();
        var ra = client.RunAsync(ComfyTestWorkflows.TextToImage(seed: 1, steps: stepsA), new ComfySubmitOptions { Progress = new SyncProgress(a.Enqueue) });
        var rb = client.RunAsync(ComfyTestWorkflows.TextToImage(seed: 2, steps: stepsB), new ComfySubmitOptions { Progress = new SyncProgress(b.Enqueue) });
        var results = await Task.WhenAll(ra, rb);
        Assert.All(results, r => Assert.True(r.IsSuccess, r.Message));
        Assert.All(a, e => Assert.Equal(results[0].PromptId, e.PromptId));
        Assert.All(b, e => Assert.Equal(results[1].PromptId, e.PromptId));
        return (a, b);
    }
}
