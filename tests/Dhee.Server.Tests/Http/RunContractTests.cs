using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Dhee.Runners;
using Dhee.Server.Execution;
using Dhee.Server.Http;
using Dhee.Tests.Support;

namespace Dhee.Tests.Http;

public class RunContractTests
{
    [Fact]
    public async Task CreateSubscribeStart_SimulatedRun_StreamsEveryEventInOrderThenEndsAndResultIsSuccess()
    {
        await using var server = await DheeTestServer.StartAsync(new SimulatedRunExecutor { StepDelay = TimeSpan.FromMilliseconds(30) });
        using var client = server.Client();

        var preparationId = await RunApi.CreateAsync(client);
        await using var stream = await SseClient.ConnectAsync(client, $"runs/{preparationId}/events");
        var dagRunId = await RunApi.StartAsync(client, preparationId);
        var (events, end) = await stream.ReadToEndAsync();

        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), events.Select(e => e.Id));
        Assert.Equal(events.Select(e => e.Id), events.Select(e => ((long)e.Json!["seq"]!).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal("run.started", (string?)events[0].Json!["kind"]);
        Assert.Equal("run.finished", (string?)events[^1].Json!["kind"]);
        Assert.Equal(3, events.Count(e => (string?)e.Json!["kind"] == "node.completed" && (string?)e.Json!["nodeId"] == "shots"));
        Assert.Equal("success", (string?)end.Json!["status"]);

        var result = await RunApi.ResultAsync(client, dagRunId);
        Assert.Equal("success", (string?)result["status"]);
        Assert.Equal(dagRunId, (string?)result["dagRunId"]);
        Assert.Equal(5, result["traces"]!.AsArray().Count);
        Assert.Empty(result["nodeErrors"]!.AsArray());
        Assert.Equal(5m, (decimal)result["totalCredits"]!);
    }

    [Fact]
    public async Task GetRunResult_FailingNode_ReportsNodeErrorsWithRunnerAndBlockedDependents()
    {
        var executor = new SimulatedRunExecutor { StepDelay = TimeSpan.FromMilliseconds(3) };
        executor.FailingNodes.Add("script");
        await using var server = await DheeTestServer.StartAsync(executor);
        using var client = server.Client();

        var dagRunId = await RunApi.StartAsync(client, await RunApi.CreateAsync(client));
        var result = await RunApi.WaitForStatusAsync(client, dagRunId, "failed");

        var error = result["nodeErrors"]!.AsArray().Single()!;
        Assert.Equal("script", (string?)error["nodeId"]);
        Assert.Equal("llm.generate", (string?)error["runner"]);
        Assert.Contains("Simulated failure", (string?)error["message"], StringComparison.Ordinal);
        Assert.Contains(result["traces"]!.AsArray(), t => (string?)t!["nodeId"] == "video" && (string?)t["status"] == "blocked");
    }

    [Fact]
    public async Task StartRun_Twice_IsConflict()
    {
        await using var server = await DheeTestServer.StartAsync(new ScriptedRunExecutor());
        using var client = server.Client();
        var preparationId = await RunApi.CreateAsync(client);
        await RunApi.StartAsync(client, preparationId);

        using var again = await client.PostAsync($"runs/{preparationId}/start", null);

        var problem = await RunApi.ProblemAsync(again, HttpStatusCode.Conflict);
        Assert.Equal(ProblemTypes.Conflict, (string?)problem["type"]);
    }

    [Fact]
    public async Task Cancel_RunningRun_EndsCancelledAndStreamEnds()
    {
        var executor = new ScriptedRunExecutor();
        await using var server = await DheeTestServer.StartAsync(executor);
        using var client = server.Client();
        var preparationId = await RunApi.CreateAsync(client);
        await using var stream = await SseClient.ConnectAsync(client, $"runs/{preparationId}/events");
        var dagRunId = await RunApi.StartAsync(client, preparationId);
        await executor.ReachedGate.Task.WaitAsync(TimeSpan.FromSeconds(30));

        using var cancel = await client.PostAsync($"runs/{dagRunId}/cancel", null);
        cancel.EnsureSuccessStatusCode();
        var (_, end) = await stream.ReadToEndAsync();

        Assert.Equal("cancelled", (string?)end.Json!["status"]);
        Assert.Equal("cancelled", (string?)(await RunApi.ResultAsync(client, dagRunId))["status"]);
    }

    [Fact]
    public async Task Cancel_PreparedRun_IsCancelledWithoutStarting()
    {
        var executor = new ScriptedRunExecutor();
        await using var server = await DheeTestServer.StartAsync(executor);
        using var client = server.Client();
        var preparationId = await RunApi.CreateAsync(client);

        using var cancel = await client.PostAsync($"runs/{preparationId}/cancel", null);
        cancel.EnsureSuccessStatusCode();
        using var start = await client.PostAsync($"runs/{preparationId}/start", null);

        Assert.Equal(HttpStatusCode.Conflict, start.StatusCode);
        Assert.Empty(executor.Requests);
    }

    [Fact]
    public async Task ListRuns_PagingAndStatusFilter_ReturnNewestFirst()
    {
        await using var server = await DheeTestServer.StartAsync(new SimulatedRunExecutor { StepDelay = TimeSpan.Zero });
        using var client = server.Client();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await RunApi.CreateAsync(client));
        }

        await RunApi.StartAsync(client, ids[0]);
        await RunApi.WaitForStatusAsync(client, ids[0], "success");

        var page1 = (await client.GetFromJsonAsync<JsonObject>("runs?limit=2&offset=0"))!;
        var page3 = (await client.GetFromJsonAsync<JsonObject>("runs?limit=2&offset=4"))!;
        var succeeded = (await client.GetFromJsonAsync<JsonObject>("runs?status=success"))!;
        var preparing = (await client.GetFromJsonAsync<JsonObject>("runs?status=preparing,running"))!;

        Assert.Equal(5, (int)page1["total"]!);
        Assert.Equal(2, page1["items"]!.AsArray().Count);
        Assert.Single(page3["items"]!.AsArray());
        Assert.Equal(ids[0], (string?)succeeded["items"]![0]!["preparationId"]);
        Assert.Equal(1, (int)succeeded["total"]!);
        Assert.Equal(4, (int)preparing["total"]!);
        using var bad = await client.GetAsync("runs?status=done");
        Assert.Equal(ProblemTypes.ContractViolation, (string?)(await RunApi.ProblemAsync(bad, HttpStatusCode.BadRequest))["type"]);
    }

    [Fact]
    public async Task DeleteRun_FinishedIsDeleted_RunningIsConflict()
    {
        var executor = new ScriptedRunExecutor();
        await using var server = await DheeTestServer.StartAsync(executor);
        using var client = server.Client();
        var running = await RunApi.CreateAsync(client);
        await RunApi.StartAsync(client, running);

        using var conflict = await client.DeleteAsync($"runs/{running}");
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);

        executor.Release();
        await RunApi.WaitForStatusAsync(client, running, "success");
        using var deleted = await client.DeleteAsync($"runs/{running}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await client.GetAsync($"runs/{running}/result");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task Catalog_ListsRegisteredRunnersWithConfigSchemas()
    {
        await using var server = await DheeTestServer.StartAsync(new ScriptedRunExecutor(), o => o.CatalogRunners.Add(new RunnerDescription
        {
            Id = "llm.generate",
            DisplayName = "LLM",
            ConfigSchema = new JsonObject { ["type"] = "object", ["required"] = new JsonArray("model") },
        }));
        using var client = server.Client();

        var catalog = (await client.GetFromJsonAsync<JsonObject>("catalog"))!;

        var runner = catalog["runners"]!.AsArray().Single()!;
        Assert.Equal("llm.generate", (string?)runner["id"]);
        Assert.Equal("model", (string?)runner["configSchema"]!["required"]![0]);
    }

    [Fact]
    public async Task ValidateDefinition_Valid_Invalid_Malformed()
    {
        await using var server = await DheeTestServer.StartAsync(new ScriptedRunExecutor());
        using var client = server.Client();

        using var valid = await client.PostAsJsonAsync("definitions/validate", new JsonObject { ["definition"] = SampleBodies.ThreeNodes() });
        var broken = SampleBodies.ThreeNodes();
        broken["edges"]![0]!["to"] = "ghost";
        using var invalid = await client.PostAsJsonAsync("definitions/validate", new JsonObject { ["definition"] = broken });
        using var malformed = await client.PostAsync("definitions/validate", new StringContent("{\"definition\": {", Encoding.UTF8, "application/json"));
        using var wrongShape = await client.PostAsJsonAsync("definitions/validate", new JsonObject { ["definition"] = new JsonObject { ["id"] = "x", ["nodes"] = "not a list" } });

        Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
        var problem = await RunApi.ProblemAsync(invalid, HttpStatusCode.UnprocessableEntity);
        Assert.Equal(ProblemTypes.Validation, (string?)problem["type"]);
        Assert.Contains(problem["problems"]!.AsArray(), p => (string?)p!["code"] == "definition.edge-unknown-node");
        Assert.Equal(ProblemTypes.ContractViolation, (string?)(await RunApi.ProblemAsync(malformed, HttpStatusCode.BadRequest))["type"]);
        var shape = await RunApi.ProblemAsync(wrongShape, HttpStatusCode.BadRequest);
        Assert.Equal(ProblemTypes.ContractViolation, (string?)shape["type"]);
        Assert.Contains("definition.nodes", (string?)shape["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateRun_MalformedBodies_AreContractViolations()
    {
        await using var server = await DheeTestServer.StartAsync(new ScriptedRunExecutor());
        using var client = server.Client();

        string[] bodies =
        [
            "[1,2]",
            "{}",
            "{\"definition\": {}, \"bundleRef\": \"x\"}",
            "{\"bundleRef\": 5}",
            "{\"definition\": {\"id\": \"d\"}, \"inputs\": [1]}",
            "{\"definition\": {\"id\": \"d\"}, \"extra\": 1}",
        ];
        foreach (var body in bodies)
        {
            using var response = await client.PostAsync("runs", new StringContent(body, Encoding.UTF8, "application/json"));
            var problem = await RunApi.ProblemAsync(response, HttpStatusCode.BadRequest);
            Assert.Equal(ProblemTypes.ContractViolation, (string?)problem["type"]);
        }

        using var invalid = await client.PostAsJsonAsync("runs", new JsonObject { ["definition"] = new JsonObject { ["id"] = "d" } });
        Assert.Equal(ProblemTypes.Validation, (string?)(await RunApi.ProblemAsync(invalid, HttpStatusCode.UnprocessableEntity))["type"]);
    }

    [Fact]
    public async Task EditDefinition_ConnectToBoundHandle_IsRejectedAndPlaceholderIsListed()
    {
        await using var server = await DheeTestServer.StartAsync(new ScriptedRunExecutor());
        using var client = server.Client();
        var definition = SampleBodies.ThreeNodes();

        using var added = await client.PostAsJsonAsync("definitions/edit", new JsonObject
        {
            ["definition"] = definition.DeepClone(),
            ["op"] = "connect",
            ["from"] = "script",
            ["outputKey"] = "text",
            ["to"] = "video",
            ["inputHandle"] = "clips[1]",
        });
        using var rejected = await client.PostAsJsonAsync("definitions/edit", new JsonObject
        {
            ["definition"] = definition.DeepClone(),
            ["op"] = "connect",
            ["from"] = "script",
            ["outputKey"] = "text",
            ["to"] = "video",
            ["inputHandle"] = "clips[0]",
        });

        var edited = (await added.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(["clips[0]", "clips[1]", "clips[2]"], edited["inputHandles"]!["video"]!["clips"]!.AsArray().Select(h => (string)h!));
        Assert.Equal(["script", "shots"], edited["definition"]!["nodes"]![2]!["dependsOn"]!.AsArray().Select(h => (string)h!));
        var problem = await RunApi.ProblemAsync(rejected, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("Connection rejected: input handle is already bound.", (string?)problem["detail"]);
    }

    [Fact]
    public async Task GraphAndOutputs_ServeTheDagAndFilesInsideTheProjectOnly()
    {
        await using var server = await DheeTestServer.StartAsync(new SimulatedRunExecutor { StepDelay = TimeSpan.Zero });
        using var client = server.Client();
        var preparationId = await RunApi.CreateAsync(client);
        await RunApi.StartAsync(client, preparationId);
        await RunApi.WaitForStatusAsync(client, preparationId, "success");

        var graph = (await client.GetFromJsonAsync<JsonObject>($"runs/{preparationId}/graph"))!;
        var output = await client.GetStringAsync($"runs/{preparationId}/outputs/outputs/shots/item-2.txt");
        using var escape = await client.GetAsync($"runs/{preparationId}/outputs/..%2F..%2Fetc%2Fpasswd");
        using var state = await client.GetAsync($"runs/{preparationId}/outputs/outputs%2F..%2F.dhee%2Fstate.json");
        using var missing = await client.GetAsync($"runs/{preparationId}/outputs/nope.txt");

        Assert.Equal("video", (string?)graph["goal"]);
        Assert.Equal(["shots"], graph["nodes"]![2]!["dependsOn"]!.AsArray().Select(n => (string)n!));
        Assert.Equal("collection", (string?)graph["nodes"]![1]!["kind"]);
        Assert.Contains("item-2", output, StringComparison.Ordinal);
        Assert.Equal(ProblemTypes.UnsafePath, (string?)(await RunApi.ProblemAsync(escape, HttpStatusCode.BadRequest))["type"]);
        Assert.Equal(HttpStatusCode.BadRequest, state.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}
