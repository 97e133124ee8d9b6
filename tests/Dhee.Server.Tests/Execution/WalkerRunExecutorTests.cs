using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dhee.Caching;
using Dhee.Server.Execution;
using Dhee.Tests.Support;
using Dhee.Testing;
using Dhee.Walking;
using Microsoft.Extensions.DependencyInjection;

namespace Dhee.Tests.Execution;

public sealed class WalkerRunExecutorTests : IDisposable
{
    private readonly TestProjectDirectory folder = new("dhee-walker-exec");

    public void Dispose() => folder.Dispose();

    private static JsonObject TwoNodes(bool failSecond = false) => new()
    {
        ["definition"] = new JsonObject
        {
            ["id"] = "walked",
            ["nodes"] = new JsonArray(
                new JsonObject { ["id"] = "draft", ["tool"] = "test.text", ["outputFormat"] = "text" },
                new JsonObject { ["id"] = "final", ["tool"] = "test.text", ["outputFormat"] = "text", ["config"] = failSecond ? new JsonObject { ["fail"] = true } : new JsonObject() }),
            ["edges"] = new JsonArray(new JsonObject { ["id"] = "e", ["from"] = "draft", ["to"] = "final", ["bindings"] = new JsonArray(new JsonObject { ["outputKey"] = "text", ["inputKey"] = "text" }) }),
        },
    };

    private Task<DheeTestServer> StartAsync(TextRunner runner) => DheeTestServer.StartAsync(
        executor: null,
        o => o.ProjectsRoot = Path.Combine(folder.Path, "projects"),
        services =>
        {
            services.AddSingleton(new Walker([runner]));
            services.AddSingleton(new WalkerRunExecutorOptions { Cache = GenerationCache.Disabled, MaxParallelism = 2 });
        });

    [Fact]
    public async Task Run_WithRealWalker_StreamsWalkEventsWithPreviewsAndMapsTheResult()
    {
        var runner = new TextRunner("test.text");
        await using var server = await StartAsync(runner);
        using var client = server.Client();

        var preparationId = await RunApi.CreateAsync(client, TwoNodes());
        await using var stream = await SseClient.ConnectAsync(client, $"runs/{preparationId}/events");
        var dagRunId = await RunApi.StartAsync(client, preparationId);
        var (events, end) = await stream.ReadToEndAsync();
        var result = await RunApi.ResultAsync(client, dagRunId);

        var kinds = events.Select(e => (string)e.Json!["kind"]!).ToList();
        Assert.Equal("run.started", kinds[0]);
        Assert.Contains("walk.started", kinds);
        Assert.Contains("node.progress", kinds);
        Assert.Equal("walk.finished", kinds[^2]);
        var completed = events.Single(e => (string?)e.Json!["kind"] == "node.completed" && (string?)e.Json!["nodeId"] == "final").Json!;
        Assert.Equal("final <- draft", (string?)completed["payload"]!["preview"]);
        Assert.Equal("success", (string?)end.Json!["status"]);
        Assert.Equal("success", (string?)result["status"]);
        Assert.Equal(1.0m, (decimal)result["totalCredits"]!);
        Assert.Equal(["completed", "completed"], result["traces"]!.AsArray().Select(t => (string)t!["status"]!));
    }

    [Fact]
    public async Task GetRunResult_WhileRunning_ReturnsTracesSoFar()
    {
        await using var server = await StartAsync(new TextRunner("test.text", delay: TimeSpan.FromSeconds(2)));
        using var client = server.Client();
        var preparationId = await RunApi.CreateAsync(client, TwoNodes());
        await using var stream = await SseClient.ConnectAsync(client, $"runs/{preparationId}/events");
        await RunApi.StartAsync(client, preparationId);
        while (await stream.NextAsync() is { } e && (string?)e.Json!["kind"] != "node.started")
        {
        }

        var result = await RunApi.ResultAsync(client, preparationId);

        Assert.Equal("running", (string?)result["status"]);
        var trace = result["traces"]!.AsArray().Single()!;
        Assert.Equal("draft", (string?)trace["nodeId"]);
        Assert.Equal("running", (string?)trace["status"]);
        Assert.Equal("test.text", (string?)trace["runner"]);
    }

    [Fact]
    public async Task Run_WithFailingNode_ReportsNodeErrorFromTheWalk()
    {
        await using var server = await StartAsync(new TextRunner("test.text"));
        using var client = server.Client();

        var dagRunId = await RunApi.StartAsync(client, await RunApi.CreateAsync(client, TwoNodes(failSecond: true)));
        var result = await RunApi.WaitForStatusAsync(client, dagRunId, "failed");

        var error = result["nodeErrors"]!.AsArray().Single()!;
        Assert.Equal("final", (string?)error["nodeId"]);
        Assert.Equal("test.text", (string?)error["runner"]);
        Assert.Contains("told to fail", (string?)error["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resume_AfterServerStop_SkipsWhatTheWalkAlreadyCompleted()
    {
        var database = Path.Combine(folder.Path, "runs.db");
        var runner = new TextRunner("test.text", delay: TimeSpan.FromMilliseconds(400));
        string preparationId;
        await using (var first = await DheeTestServer.StartAsync(null, o => { o.DatabasePath = database; o.ProjectsRoot = Path.Combine(folder.Path, "projects"); }, s =>
        {
            s.AddSingleton(new Walker([runner]));
            s.AddSingleton(new WalkerRunExecutorOptions { Cache = GenerationCache.Disabled });
        }))
        {
            using var client = first.Client();
            preparationId = await RunApi.CreateAsync(client, TwoNodes());
            await using var stream = await SseClient.ConnectAsync(client, $"runs/{preparationId}/events");
            await RunApi.StartAsync(client, preparationId);
            while (await stream.NextAsync() is { } e && !((string?)e.Json!["kind"] == "node.completed" && (string?)e.Json!["nodeId"] == "draft"))
            {
            }
        }

        var callsBefore = runner.Calls;
        await using var second = await DheeTestServer.StartAsync(null, o => { o.DatabasePath = database; o.ProjectsRoot = Path.Combine(folder.Path, "projects"); }, s =>
        {
            s.AddSingleton(new Walker([runner]));
            s.AddSingleton(new WalkerRunExecutorOptions { Cache = GenerationCache.Disabled });
        });
        using var client2 = second.Client();
        Assert.Equal("interrupted", (string?)(await RunApi.ResultAsync(client2, preparationId))["status"]);

        using var resume = await client2.PostAsync($"runs/{preparationId}/resume", null);
        resume.EnsureSuccessStatusCode();
        var result = await RunApi.WaitForStatusAsync(client2, preparationId, "success");

        Assert.Equal(callsBefore + 1, runner.Calls);
        Assert.Contains(result["traces"]!.AsArray(), t => (string?)t!["nodeId"] == "draft" && (string?)t["status"] == "skipped");
    }

    [Fact]
    public async Task BundleRef_LoadedWithTheBundleLoader_RunsOnTheWalker()
    {
        var root = Path.Combine(folder.Path, "bundles");
        Directory.CreateDirectory(Path.Combine(root, "hello"));
        File.WriteAllText(Path.Combine(root, "hello", "bundle.json"), """
            { "id": "hello", "goal": "greet",
              "nodes": [ { "id": "greet", "outputs": { "format": "text", "pattern": "out/greet.txt" }, "runner": { "tool": "test.text" } } ] }
            """);
        await using var server = await DheeTestServer.StartAsync(null, o => { o.BundleRoots.Add(root); o.ProjectsRoot = Path.Combine(folder.Path, "projects"); }, s =>
        {
            s.AddSingleton(new Walker([new TextRunner("test.text")]));
            s.AddSingleton(new WalkerRunExecutorOptions { Cache = GenerationCache.Disabled });
        });
        using var client = server.Client();

        var preparationId = await RunApi.CreateAsync(client, new JsonObject { ["bundleRef"] = "hello" });
        await RunApi.StartAsync(client, preparationId);
        var result = await RunApi.WaitForStatusAsync(client, preparationId, "success");

        Assert.Equal("out/greet.txt", (string?)result["traces"]![0]!["output"]);
        var list = (await client.GetFromJsonAsync<JsonObject>("runs"))!;
        Assert.Equal("hello", (string?)list["items"]![0]!["bundleRef"]);
    }
}
