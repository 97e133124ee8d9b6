using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dhee.Caching;
using Dhee.Registry;
using Dhee.Runners;
using Dhee.Server.Execution;
using Dhee.Server.Http;
using Dhee.Tests.Support;
using Dhee.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Dhee.Tests.Catalog;

public sealed class RunnerRegistryIntegrationTests : IDisposable
{
    private readonly TestProjectDirectory folder = new("dhee-registry");

    public void Dispose() => folder.Dispose();

    private Task<DheeTestServer> StartAsync()
    {
        var registry = new RunnerRegistry();
        registry.Register(new RunnerManifest { Tool = "test.text", Version = "1.0.0", EngineCompat = ">=0.0.0" }, new TextRunner("test.text"));
        return DheeTestServer.StartAsync(null, o => o.ProjectsRoot = Path.Combine(folder.Path, "projects"), services =>
        {
            services.AddSingleton(registry);
            services.AddSingleton(new WalkerRunExecutorOptions { Cache = GenerationCache.Disabled });
        });
    }

    private static JsonObject OneNode(string tool) => new()
    {
        ["definition"] = new JsonObject { ["id"] = "one", ["nodes"] = new JsonArray(new JsonObject { ["id"] = "only", ["tool"] = tool, ["outputFormat"] = "text" }) },
    };

    [Fact]
    public async Task Registry_DrivesCatalogValidationAndExecution()
    {
        await using var server = await StartAsync();
        using var client = server.Client();

        var catalog = (await client.GetFromJsonAsync<JsonObject>("catalog"))!;
        using var unknownValidate = await client.PostAsJsonAsync("definitions/validate", OneNode("nope.tool"));
        using var unknownCreate = await client.PostAsJsonAsync("runs", OneNode("nope.tool"));
        var preparationId = await RunApi.CreateAsync(client, OneNode("test.text"));
        await RunApi.StartAsync(client, preparationId);
        var result = await RunApi.WaitForStatusAsync(client, preparationId, "success");

        Assert.Equal("test.text", (string?)catalog["runners"]!.AsArray().Single()!["id"]);
        var validateProblem = await RunApi.ProblemAsync(unknownValidate, HttpStatusCode.UnprocessableEntity);
        Assert.Equal(ProblemTypes.Validation, (string?)validateProblem["type"]);
        Assert.Contains("nope.tool", validateProblem["problems"]!.ToJsonString(), StringComparison.Ordinal);
        await RunApi.ProblemAsync(unknownCreate, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("only <- ", (string?)result["traces"]![0]!["preview"]);
    }
}
