using System.Text.Json.Nodes;
using Dhee.Comfy;
using Dhee.Comfy.Runners;
using Dhee.Endpoints;
using Dhee.RunPod;
using Dhee.Runners;
using Dhee.Testing;
using Dhee.Testing.Comfy;
using Dhee.Testing.RunPod;
using Dhee.Tests.Comfy;

namespace Dhee.Tests.Endpoints;

public sealed class ComfyPoolTests : IDisposable
{
    private readonly TestProjectDirectory _dir = new("comfy-pool");

    public void Dispose() => _dir.Dispose();

    private static JsonObject InvertWorkflow() => (JsonObject)JsonNode.Parse("""
        {"1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 0}},
         "2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}},
         "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "pool"}}}
        """)!;

    private static LoopbackComfyServerOptions Without(string cls)
    {
        var info = LoopbackObjectInfo.Load();
        info.Remove(cls);
        return new LoopbackComfyServerOptions { ObjectInfo = info };
    }

    private static void Fast(ComfyClientOptions o)
    {
        o.ReconnectBudget = 1;
        o.ReconnectBaseDelay = TimeSpan.FromMilliseconds(20);
        o.TransientRetries = 1;
        o.RetryBaseDelay = TimeSpan.FromMilliseconds(10);
        o.InactivityTimeout = TimeSpan.FromMilliseconds(500);
        o.PollInterval = TimeSpan.FromMilliseconds(100);
        o.ConnectTimeout = TimeSpan.FromSeconds(1);
        o.RequestTimeout = TimeSpan.FromSeconds(2);
        o.OverallTimeout = TimeSpan.FromSeconds(60);
    }

    private async Task<RunnerResult> RunAsync(ComfyClientFactory factory, string endpointValue, string project)
    {
        var runner = new ComfyWorkflowRunner(new ComfyExecutor(factory, new EndpointResolver(null, n => n == "ENDPOINT_FARM" ? endpointValue : null)));
        var config = new JsonObject { ["workflow"] = null, ["workflowPath"] = "wf.json", ["endpoint"] = "farm" };
        var bundle = Path.Combine(_dir.Path, "bundle");
        Directory.CreateDirectory(bundle);
        await File.WriteAllTextAsync(Path.Combine(bundle, "wf.json"), InvertWorkflow().ToJsonString());
        return await runner.RunAsync(ComfyRunnerTestKit.Context(Path.Combine(_dir.Path, project), ComfyWorkflowRunner.Tool, config, bundleDir: bundle));
    }

    [Fact]
    public async Task Pool_OnlyOneInstanceHasNodeClass_RoutesThere()
    {
        await using var a = await LoopbackComfyServer.StartAsync(Without("ImageInvert"));
        await using var b = await LoopbackComfyServer.StartAsync(Without("ImageInvert"));
        await using var c = await LoopbackComfyServer.StartAsync();
        await using var factory = new ComfyClientFactory(configure: Fast);
        var result = await RunAsync(factory, $"{a.BaseUri},{b.BaseUri},{c.BaseUri}", "p1");
        Assert.True(result.IsSuccess, result.Error?.Message);
        Assert.Equal(0, a.AcceptedPrompts);
        Assert.Equal(0, b.AcceptedPrompts);
        Assert.Equal(1, c.AcceptedPrompts);
        Assert.StartsWith(c.BaseUri.ToString().TrimEnd('/'), result.Metadata["endpointUrl"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pool_NoInstanceCapable_FailsNamingWhatIsMissing()
    {
        await using var a = await LoopbackComfyServer.StartAsync(Without("ImageInvert"));
        await using var b = await LoopbackComfyServer.StartAsync(Without("ImageInvert"));
        await using var factory = new ComfyClientFactory(configure: Fast);
        var pool = factory.GetPool(new EndpointResolver(null, _ => null).Resolve($"{a.BaseUri},{b.BaseUri}"));
        await using var lease = pool.Lease();
        var ex = await Assert.ThrowsAsync<ComfyException>(() => lease.SubmitAsync(InvertWorkflow()));
        Assert.Contains("ImageInvert", ex.Message, StringComparison.Ordinal);
        Assert.Contains("install", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingCapabilities_ModelNotOffered_Listed()
    {
        var info = LoopbackObjectInfo.Load();
        info["CheckpointLoaderSimple"]!["input"]!["required"]!["ckpt_name"]![0] = new JsonArray("sd15.safetensors");
        var workflow = (JsonObject)JsonNode.Parse("""{"4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sdxl.safetensors"}}}""")!;
        var gaps = ComfyPool.MissingCapabilities(workflow, new ComfyObjectInfo(info));
        Assert.Contains("sdxl.safetensors", Assert.Single(gaps), StringComparison.Ordinal);
        info["CheckpointLoaderSimple"]!["input"]!["required"]!["ckpt_name"]![0] = new JsonArray("sd15.safetensors", "sdxl.safetensors");
        Assert.Empty(ComfyPool.MissingCapabilities(workflow, new ComfyObjectInfo(info)));
    }

    [Fact]
    public async Task Pool_QueueDepth_PicksShortestQueue()
    {
        await using var a = await LoopbackComfyServer.StartAsync();
        await using var b = await LoopbackComfyServer.StartAsync();
        await using var c = await LoopbackComfyServer.StartAsync();
        a.Faults.PauseQueue = true;
        c.Faults.PauseQueue = true;
        using var http = new HttpClient();
        foreach (var busy in new[] { a, c })
        {
            await using var direct = new ComfyClient(http, new ComfyClientOptions { BaseUrl = busy.BaseUri });
            await direct.SubmitAsync(InvertWorkflow());
            await direct.SubmitAsync(InvertWorkflow());
        }

        await using var factory = new ComfyClientFactory(configure: Fast);
        var result = await RunAsync(factory, $"{a.BaseUri},{b.BaseUri},{c.BaseUri}", "p1");
        Assert.True(result.IsSuccess, result.Error?.Message);
        Assert.Equal(1, b.AcceptedPrompts);
        Assert.Equal(2, a.AcceptedPrompts);
        Assert.Equal(2, c.AcceptedPrompts);
    }

    [Fact]
    public async Task Pool_InstanceKilledMidJob_FailsOverOnceToAnotherCapableInstance()
    {
        // Three instances: a runs the job and dies, b is busy but capable, c is idle but lacks the workflow's node.
        var a = await LoopbackComfyServer.StartAsync();
        await using var b = await LoopbackComfyServer.StartAsync();
        await using var c = await LoopbackComfyServer.StartAsync(Without("ImageInvert"));
        var killed = false;
        try
        {
            a.Faults.HangExecution = true;
            b.Faults.PauseQueue = true;
            using var http = new HttpClient();
            await using (var direct = new ComfyClient(http, new ComfyClientOptions { BaseUrl = b.BaseUri }))
            {
                await direct.SubmitAsync(InvertWorkflow());
            }

            await using var factory = new ComfyClientFactory(configure: Fast);
            var pool = factory.GetPool(new EndpointResolver(null, _ => null).Resolve($"{a.BaseUri},{b.BaseUri},{c.BaseUri}"));
            await using var lease = pool.Lease();
            var submission = await lease.SubmitAsync(InvertWorkflow());
            Assert.Equal(1, a.AcceptedPrompts);
            var wait = lease.WaitAsync(submission.PromptId);
            killed = true;
            await a.DisposeAsync();
            b.Faults.PauseQueue = false;
            var result = await wait;
            Assert.True(result.IsSuccess, result.Message);
            Assert.Equal(2, b.AcceptedPrompts);
            Assert.Equal(0, c.AcceptedPrompts);
            var path = Path.Combine(_dir.Path, "out.png");
            Assert.True(await lease.DownloadAsync(result.PrimaryFiles[0], path) > 0);
            Assert.Equal(1, pool.Members[0].ConsecutiveFailures);
        }
        finally
        {
            if (!killed)
            {
                await a.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Pool_RepeatedFailures_OpenCircuitThenProbeClosesIt()
    {
        await using var a = await LoopbackComfyServer.StartAsync();
        await using var b = await LoopbackComfyServer.StartAsync();
        var clock = new ManualClock();
        using var http = new HttpClient();
        var clients = new[] { a, b }.Select(s => (IComfyClient)new ComfyClient(http, new ComfyClientOptions { BaseUrl = s.BaseUri, TransientRetries = 1, RetryBaseDelay = TimeSpan.FromMilliseconds(1) })).ToList();
        await using var pool = new ComfyPool("farm", clients, new ComfyPoolOptions { FailureThreshold = 2, BreakDuration = TimeSpan.FromMinutes(1) }, clock);

        a.Faults.FailNext("GET", "/queue", LoopbackFailureKind.ServiceUnavailable, 4); // two per probe: the call and its one retry
        for (var i = 0; i < 2; i++)
        {
            await using var lease = pool.Lease();
            var s = await lease.SubmitAsync(InvertWorkflow());
            Assert.True((await lease.WaitAsync(s.PromptId)).IsSuccess);
        }

        Assert.Equal(ComfyPoolMemberState.Open, pool.Members[0].State);
        Assert.Equal(0, a.AcceptedPrompts);
        var queueCalls = a.RequestLog.Count(r => r.StartsWith("GET /queue", StringComparison.Ordinal));
        await using (var lease = pool.Lease())
        {
            await lease.SubmitAsync(InvertWorkflow());
        }

        Assert.Equal(queueCalls, a.RequestLog.Count(r => r.StartsWith("GET /queue", StringComparison.Ordinal)));

        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(ComfyPoolMemberState.HalfOpen, pool.Members[0].State);
        await using (var lease = pool.Lease())
        {
            await lease.SubmitAsync(InvertWorkflow());
        }

        Assert.Equal(ComfyPoolMemberState.Closed, pool.Members[0].State);
    }

    [Fact]
    public async Task Pool_EqualQueues_PrefersMoreFreeVram()
    {
        await using var small = await LoopbackComfyServer.StartAsync(new LoopbackComfyServerOptions { VramFree = 2L << 30 });
        await using var large = await LoopbackComfyServer.StartAsync(new LoopbackComfyServerOptions { VramFree = 20L << 30 });
        await using var factory = new ComfyClientFactory(configure: Fast);
        var pool = factory.GetPool(new EndpointResolver(null, _ => null).Resolve($"{small.BaseUri},{large.BaseUri}"));

        // Without the VRAM preference equal queues are served in turn, so the small instance would get one of these.
        for (var i = 0; i < 3; i++)
        {
            await using var lease = pool.Lease();
            var submission = await lease.SubmitAsync(InvertWorkflow());
            Assert.True((await lease.WaitAsync(submission.PromptId)).IsSuccess);
        }

        Assert.Equal(0, small.AcceptedPrompts);
        Assert.Equal(3, large.AcceptedPrompts);
        Assert.Equal(20L << 30, pool.Members[1].VramFree);
    }

    [Fact]
    public async Task Pool_SystemStatsMissing_StillUsedAfterReportingInstances()
    {
        await using var hidden = await LoopbackComfyServer.StartAsync(new LoopbackComfyServerOptions { ServeSystemStats = false });
        await using var reporting = await LoopbackComfyServer.StartAsync(new LoopbackComfyServerOptions { VramFree = 1L << 30 });
        await using var factory = new ComfyClientFactory(configure: Fast);
        var pool = factory.GetPool(new EndpointResolver(null, _ => null).Resolve($"{hidden.BaseUri},{reporting.BaseUri}"));
        await using (var lease = pool.Lease())
        {
            var submission = await lease.SubmitAsync(InvertWorkflow());
            Assert.True((await lease.WaitAsync(submission.PromptId)).IsSuccess);
        }

        Assert.Equal(1, reporting.AcceptedPrompts);
        Assert.Null(pool.Members[0].VramFree);
        Assert.Equal(ComfyPoolMemberState.Closed, pool.Members[0].State);
        Assert.Equal(0, pool.Members[0].ConsecutiveFailures);

        // A busy reporting instance loses to the idle one that reports nothing: queue depth comes first.
        reporting.Faults.PauseQueue = true;
        using var http = new HttpClient();
        await using (var direct = new ComfyClient(http, new ComfyClientOptions { BaseUrl = reporting.BaseUri }))
        {
            await direct.SubmitAsync(InvertWorkflow());
        }

        await using (var lease = pool.Lease())
        {
            var submission = await lease.SubmitAsync(InvertWorkflow());
            Assert.True((await lease.WaitAsync(submission.PromptId)).IsSuccess);
        }

        Assert.Equal(1, hidden.AcceptedPrompts);
    }

    [Fact]
    public async Task Pool_InstanceHangsPastAttemptTimeout_CancelledThereAndRetriedOnAnother()
    {
        // The hanging instance reports more free VRAM, so it is chosen first.
        await using var hanging = await LoopbackComfyServer.StartAsync(new LoopbackComfyServerOptions { VramFree = 20L << 30 });
        await using var healthy = await LoopbackComfyServer.StartAsync(new LoopbackComfyServerOptions { VramFree = 2L << 30 });
        hanging.Faults.HangExecution = true;
        await using var factory = new ComfyClientFactory(configure: Fast) { PoolOptions = new ComfyPoolOptions { AttemptTimeout = TimeSpan.FromSeconds(3), OverallTimeout = TimeSpan.FromSeconds(60) } };
        var pool = factory.GetPool(new EndpointResolver(null, _ => null).Resolve($"{hanging.BaseUri},{healthy.BaseUri}"));
        await using var lease = pool.Lease();
        var submission = await lease.SubmitAsync(InvertWorkflow());
        var result = await lease.WaitAsync(submission.PromptId);

        Assert.True(result.IsSuccess, result.Message);
        Assert.Equal(1, hanging.AcceptedPrompts);
        Assert.Equal(1, healthy.AcceptedPrompts);
        Assert.Contains(hanging.RequestLog, r => r.StartsWith("POST /interrupt", StringComparison.Ordinal));
        Assert.True(await lease.DownloadAsync(result.PrimaryFiles[0], Path.Combine(_dir.Path, "retried.png")) > 0);
        Assert.Equal(1, pool.Members[0].ConsecutiveFailures);
    }

    [Fact]
    public async Task Pool_OverallBudgetSpentByFirstAttempt_NoRetryTimedOut()
    {
        await using var hanging = await LoopbackComfyServer.StartAsync(new LoopbackComfyServerOptions { VramFree = 20L << 30 });
        await using var healthy = await LoopbackComfyServer.StartAsync(new LoopbackComfyServerOptions { VramFree = 2L << 30 });
        hanging.Faults.HangExecution = true;
        await using var factory = new ComfyClientFactory(configure: Fast) { PoolOptions = new ComfyPoolOptions { AttemptTimeout = TimeSpan.FromSeconds(5), OverallTimeout = TimeSpan.FromSeconds(1) } };
        var pool = factory.GetPool(new EndpointResolver(null, _ => null).Resolve($"{hanging.BaseUri},{healthy.BaseUri}"));
        await using var lease = pool.Lease();
        var submission = await lease.SubmitAsync(InvertWorkflow());
        var result = await lease.WaitAsync(submission.PromptId);

        Assert.Equal(ComfyPromptStatus.TimedOut, result.Status);
        Assert.Contains("overall timeout", result.Message, StringComparison.Ordinal);
        Assert.Equal(0, healthy.AcceptedPrompts);
        Assert.Contains(hanging.RequestLog, r => r.StartsWith("POST /interrupt", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Pool_RunPodMemberPastClientTimeout_CancelledThereWithCancelAndRetriedOnAnother()
    {
        await using var fast = await LoopbackRunPodServer.StartAsync(new LoopbackRunPodServerOptions { EndpointId = "fast" });
        await using var stuck = await LoopbackRunPodServer.StartAsync(new LoopbackRunPodServerOptions { EndpointId = "stuck" });
        stuck.Faults.HangInProgress = true;
        using var http = new HttpClient();
        // Only the stuck member has a short client deadline, so a slow machine cannot time out the good one too.
        IComfyClient Member(LoopbackRunPodServer server, TimeSpan timeout) => new RunPodComfyClient(new RunPodClient(http, new RunPodClientOptions
        {
            EndpointId = server.EndpointId,
            ApiBase = server.ApiBase,
            ApiKey = server.ApiKey,
            PollInitialDelay = TimeSpan.FromMilliseconds(10),
            PollMaxDelay = TimeSpan.FromMilliseconds(50),
            Timeout = timeout,
        }));

        // Equal queues are served in turn and the first turn goes to the second instance: the stuck one.
        await using var pool = new ComfyPool("cloud", [Member(fast, TimeSpan.FromSeconds(30)), Member(stuck, TimeSpan.FromSeconds(1))], new ComfyPoolOptions { OverallTimeout = TimeSpan.FromSeconds(30) });
        await using var lease = pool.Lease();
        var submission = await lease.SubmitAsync(InvertWorkflow());
        var result = await lease.WaitAsync(submission.PromptId);

        Assert.True(result.IsSuccess, result.Message);
        var stuckJob = Assert.Single(stuck.ReceivedInputs);
        Assert.Single(fast.ReceivedInputs);
        Assert.Contains(stuck.RequestLog, r => r.StartsWith("POST /cancel/", StringComparison.Ordinal));
        Assert.Equal("CANCELLED", stuck.GetJobStatus(stuck.RequestLog.First(r => r.StartsWith("POST /cancel/", StringComparison.Ordinal))["POST /cancel/".Length..]));
        Assert.NotNull(stuckJob["workflow"]);
        Assert.True(await lease.DownloadAsync(result.PrimaryFiles[0], Path.Combine(_dir.Path, "from-fast.png")) > 0);
        Assert.Equal(1, pool.Members[1].ConsecutiveFailures);
        Assert.Equal(0, pool.Members[0].ConsecutiveFailures);
    }

    [Fact]
    public async Task Resolve_RunPodPool_MembersShareKeyAndApiBase()
    {
        await using var a = await LoopbackRunPodServer.StartAsync(new LoopbackRunPodServerOptions { EndpointId = "a" });
        var env = new Dictionary<string, string> { ["ENDPOINT_CLOUD"] = "runpod://a,runpod://b", ["RUNPOD_API_KEY"] = a.ApiKey, ["RUNPOD_API_BASE"] = a.ApiBase.ToString() };
        var endpoint = new EndpointResolver(null, n => env.GetValueOrDefault(n)).Resolve("cloud");
        Assert.True(endpoint.Definition.IsPool);
        Assert.Equal(a.ApiKey, endpoint.Definition.BearerToken);
        await using var factory = new ComfyClientFactory();
        var pool = factory.GetPool(endpoint);
        Assert.Equal([new Uri(a.ApiBase + "/a/"), new Uri(a.ApiBase + "/b/")], pool.Members.Select(m => m.Address));

        // Only "a" exists: the pool routes there and the job succeeds end to end.
        await using var lease = pool.Lease();
        var submission = await lease.SubmitAsync(InvertWorkflow());
        Assert.True((await lease.WaitAsync(submission.PromptId)).IsSuccess);
        Assert.Single(a.ReceivedInputs);
        Assert.Throws<Dhee.Errors.DheeConfigurationException>(() => new EndpointResolver(null, _ => null).Resolve("runpod://a,runpod://"));
    }

    [Fact]
    public void ResourceConcurrency_FromEndpointLimits()
    {
        var options = EndpointsFile.Parse("""
            {"endpoints": {"gpu": {"kind": "local", "url": "http://127.0.0.1:8188", "maxConcurrency": 1},
                           "farm": {"kind": "pool", "urls": ["http://a:8188", "http://b:8188"], "maxConcurrency": 2},
                           "cloud": {"kind": "runpod", "endpointId": "abc"}}}
            """);
        var limits = options.GetResourceConcurrency();
        Assert.Equal(1, limits["endpoint:gpu"]);
        Assert.Equal(2, limits["endpoint:farm"]);
        Assert.False(limits.ContainsKey("endpoint:cloud"));
    }

    [Fact]
    public void GetMaxConcurrency_ConfiguredThenEnvironment_InvalidValueNamesVariable()
    {
        var options = new EndpointOptions();
        options.Endpoints["gpu"] = new EndpointDefinition { Url = "http://127.0.0.1:8188", MaxConcurrency = 1 };
        var env = new Dictionary<string, string> { ["ENDPOINT_CLOUD_A_MAX_CONCURRENCY"] = "6", ["ENDPOINT_BAD_MAX_CONCURRENCY"] = "lots" };
        var resolver = new EndpointResolver(options, n => env.GetValueOrDefault(n));
        Assert.Equal(1, resolver.GetMaxConcurrency("GPU"));
        Assert.Equal(6, resolver.GetMaxConcurrency("cloud-a"));
        Assert.Null(resolver.GetMaxConcurrency("other"));
        Assert.Null(resolver.GetMaxConcurrency("http://127.0.0.1:8188"));
        var ex = Assert.Throws<Dhee.Errors.DheeConfigurationException>(() => resolver.GetMaxConcurrency("bad"));
        Assert.Contains("ENDPOINT_BAD_MAX_CONCURRENCY", ex.Message, StringComparison.Ordinal);
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
