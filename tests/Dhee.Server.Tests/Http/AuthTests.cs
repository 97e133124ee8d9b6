using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dhee.Server.Http;
using Dhee.Server.Security;
using Dhee.Tests.Support;

namespace Dhee.Tests.Http;

public class AuthTests
{
    public static TheoryData<string, string> Endpoints => new()
    {
        { "POST", "runs" },
        { "GET", "runs" },
        { "GET", "runs/x" },
        { "POST", "runs/x/start" },
        { "POST", "runs/x/resume" },
        { "POST", "runs/x/cancel" },
        { "GET", "runs/x/result" },
        { "GET", "runs/x/events" },
        { "DELETE", "runs/x" },
        { "GET", "runs/x/graph" },
        { "GET", "runs/x/outputs/a.txt" },
        { "GET", "catalog" },
        { "POST", "definitions/validate" },
        { "POST", "definitions/edit" },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task EveryEndpoint_WithoutOrWithWrongCredential_Is401(string method, string path)
    {
        await using var server = await DheeTestServer.StartAsync(new ScriptedRunExecutor());
        using var anonymous = server.Client(apiKey: null);
        using var wrong = server.Client(apiKey: "not-a-key");
        using var wrongBearer = server.BearerClient("forged");

        foreach (var client in new[] { anonymous, wrong, wrongBearer })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "POST" ? JsonContent.Create(SampleBodies.CreateBody()) : null };
            using var response = await client.SendAsync(request);
            var problem = await RunApi.ProblemAsync(response, HttpStatusCode.Unauthorized);
            Assert.Equal(ProblemTypes.Unauthorized, (string?)problem["type"]);
        }
    }

    [Fact]
    public async Task OtherUser_CannotReadCancelStreamStartResumeDeleteOrListARun()
    {
        var executor = new ScriptedRunExecutor();
        await using var server = await DheeTestServer.StartAsync(executor);
        using var alice = server.Client(DheeTestServer.AliceKey);
        using var bob = server.Client(DheeTestServer.BobKey);
        var preparationId = await RunApi.CreateAsync(alice);
        var dagRunId = await RunApi.StartAsync(alice, preparationId);

        foreach (var id in new[] { preparationId, dagRunId })
        {
            using var result = await bob.GetAsync($"runs/{id}/result");
            using var get = await bob.GetAsync($"runs/{id}");
            using var events = await bob.GetAsync($"runs/{id}/events");
            using var cancel = await bob.PostAsync($"runs/{id}/cancel", null);
            using var start = await bob.PostAsync($"runs/{id}/start", null);
            using var resume = await bob.PostAsync($"runs/{id}/resume", null);
            using var delete = await bob.DeleteAsync($"runs/{id}");
            using var graph = await bob.GetAsync($"runs/{id}/graph");
            using var output = await bob.GetAsync($"runs/{id}/outputs/project.json");
            foreach (var response in new[] { result, get, events, cancel, start, resume, delete, graph, output })
            {
                Assert.Equal(ProblemTypes.NotFound, (string?)(await RunApi.ProblemAsync(response, HttpStatusCode.NotFound))["type"]);
            }
        }

        var bobsList = (await bob.GetFromJsonAsync<JsonObject>("runs"))!;
        Assert.Equal(0, (int)bobsList["total"]!);
        Assert.Equal("running", (string?)(await RunApi.ResultAsync(alice, dagRunId))["status"]);
        executor.Release();
        await RunApi.WaitForStatusAsync(alice, dagRunId, "success");
    }

    [Fact]
    public async Task Admin_SeesAndCancelsEveryonesRuns()
    {
        var executor = new ScriptedRunExecutor();
        await using var server = await DheeTestServer.StartAsync(executor);
        using var alice = server.Client(DheeTestServer.AliceKey);
        using var bob = server.Client(DheeTestServer.BobKey);
        using var admin = server.Client(DheeTestServer.AdminKey);
        await RunApi.CreateAsync(bob);
        var dagRunId = await RunApi.StartAsync(alice, await RunApi.CreateAsync(alice));

        var all = (await admin.GetFromJsonAsync<JsonObject>("runs"))!;
        var onlyBob = (await admin.GetFromJsonAsync<JsonObject>("runs?owner=bob"))!;
        using var cancel = await admin.PostAsync($"runs/{dagRunId}/cancel", null);

        Assert.Equal(2, (int)all["total"]!);
        Assert.Equal("bob", (string?)onlyBob["items"]!.AsArray().Single()!["owner"]);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("cancelled", (string?)(await RunApi.ResultAsync(alice, dagRunId))["status"]);
    }

    [Fact]
    public async Task BearerToken_ValidatedByHost_AllowlistDecidesAccess()
    {
        await using var server = await DheeTestServer.StartAsync(new ScriptedRunExecutor(), o =>
        {
            o.BearerTokenValidator = (token, _) => ValueTask.FromResult(token.StartsWith("valid-", StringComparison.Ordinal) ? new DheePrincipal(token["valid-".Length..]) : null);
            o.AllowedUsers.Add("carol");
        });
        using var carol = server.BearerClient("valid-carol");
        using var dave = server.BearerClient("valid-dave");

        using var ok = await carol.GetAsync("runs");
        using var forbidden = await dave.GetAsync("runs");

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(ProblemTypes.Forbidden, (string?)(await RunApi.ProblemAsync(forbidden, HttpStatusCode.Forbidden))["type"]);
    }

    [Fact]
    public async Task ApiKey_AsBearerToken_IsAccepted()
    {
        await using var server = await DheeTestServer.StartAsync(new ScriptedRunExecutor());
        using var client = server.BearerClient(DheeTestServer.AliceKey);

        using var response = await client.GetAsync("runs");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public void Options_AddApiKey_KeepsOnlyTheSha256Hash()
    {
        var options = new Dhee.Server.DheeServerOptions().AddApiKey("u", "secret-value");

        var key = options.ApiKeys.Single();

        Assert.Equal(64, key.Sha256.Length);
        Assert.Equal(DheeApiKey.Hash("secret-value"), key.Sha256);
        Assert.DoesNotContain("secret-value", key.ToString(), StringComparison.Ordinal);
    }
}
