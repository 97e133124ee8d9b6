using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Dhee.Server.Http;
using Dhee.Tests.Support;
using Dhee.Testing;

namespace Dhee.Tests.Http;

public sealed class LimitsTests : IDisposable
{
    private readonly TestProjectDirectory folder = new("dhee-limits");

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task RateLimit_PerKey_Returns429WithRetryAfter_OtherKeysUnaffected()
    {
        await using var server = await DheeTestServer.StartAsync(new ScriptedRunExecutor(), o =>
        {
            o.RateLimitPermits = 3;
            o.RateLimitWindow = TimeSpan.FromMinutes(5);
        });
        using var alice = server.Client(DheeTestServer.AliceKey);
        using var bob = server.Client(DheeTestServer.BobKey);

        for (var i = 0; i < 3; i++)
        {
            using var ok = await alice.GetAsync("runs");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var limited = await alice.GetAsync("runs");
        using var bobOk = await bob.GetAsync("runs");

        Assert.Equal(ProblemTypes.RateLimited, (string?)(await RunApi.ProblemAsync(limited, (HttpStatusCode)429))["type"]);
        Assert.NotNull(limited.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, bobOk.StatusCode);
    }

    [Fact]
    public async Task RateLimit_FailedAuthentication_IsLimitedPerAddress()
    {
        await using var server = await DheeTestServer.StartAsync(new ScriptedRunExecutor(), o => o.RateLimitPermits = 2);
        using var guesser = server.Client(apiKey: "guess");

        using var first = await guesser.GetAsync("runs");
        using var second = await guesser.GetAsync("runs");
        using var third = await guesser.GetAsync("runs");

        Assert.Equal(HttpStatusCode.Unauthorized, first.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, second.StatusCode);
        Assert.Equal((HttpStatusCode)429, third.StatusCode);
    }

    [Fact]
    public async Task BodyTooLarge_WithContentLengthOrChunked_Is413()
    {
        await using var server = await DheeTestServer.StartAsync(new ScriptedRunExecutor(), o => o.MaxRequestBodyBytes = 2048);
        using var client = server.Client();
        var big = new JsonObject { ["definition"] = SampleBodies.ThreeNodes(), ["inputs"] = new JsonObject { ["text"] = new string('x', 3_000) } };

        // Expect: 100-continue lets the server refuse before the client sends the body (no broken pipe on refusal).
        using var sizedRequest = new HttpRequestMessage(HttpMethod.Post, "runs") { Content = new StringContent(big.ToJsonString(), Encoding.UTF8, "application/json") };
        sizedRequest.Headers.ExpectContinue = true;
        using var sized = await client.SendAsync(sizedRequest);
        using var chunkedContent = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big.ToJsonString())));
        chunkedContent.Headers.ContentType = new("application/json");
        using var chunkedRequest = new HttpRequestMessage(HttpMethod.Post, "runs") { Content = chunkedContent };
        chunkedRequest.Headers.TransferEncodingChunked = true;
        chunkedRequest.Headers.ExpectContinue = true;
        using var chunked = await client.SendAsync(chunkedRequest);

        Assert.Equal(ProblemTypes.PayloadTooLarge, (string?)(await RunApi.ProblemAsync(sized, HttpStatusCode.RequestEntityTooLarge))["type"]);
        Assert.Equal(ProblemTypes.PayloadTooLarge, (string?)(await RunApi.ProblemAsync(chunked, HttpStatusCode.RequestEntityTooLarge))["type"]);
    }

    [Theory]
    [InlineData("../outside")]
    [InlineData("a/../../outside")]
    [InlineData("/etc/passwd")]
    [InlineData("~/bundles/x")]
    [InlineData("link/bundle.json")]
    public async Task BundleRef_EscapingTheBundleRoots_IsRejected(string bundleRef)
    {
        var root = Path.Combine(folder.Path, "bundles");
        var outside = Path.Combine(folder.Path, "outside");
        Directory.CreateDirectory(root);
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "bundle.json"), "{}");
        if (!Directory.Exists(Path.Combine(root, "link")))
        {
            Directory.CreateSymbolicLink(Path.Combine(root, "link"), outside);
        }

        var loaded = 0;
        await using var server = await DheeTestServer.StartAsync(new ScriptedRunExecutor(), o =>
        {
            o.BundleRoots.Add(root);
            o.BundleLoader = _ =>
            {
                loaded++;
                throw new InvalidOperationException("must not load");
            };
        });
        using var client = server.Client();

        using var response = await client.PostAsJsonAsync("runs", new JsonObject { ["bundleRef"] = bundleRef });

        var problem = await RunApi.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(ProblemTypes.UnsafePath, (string?)problem["type"]);
        Assert.Equal(0, loaded);
    }

    [Fact]
    public async Task BundleRef_InsideARoot_IsLoadedAndRun()
    {
        var root = Path.Combine(folder.Path, "bundles");
        Directory.CreateDirectory(Path.Combine(root, "demo"));
        File.WriteAllText(Path.Combine(root, "demo", "bundle.json"), "{}");
        string? loadedPath = null;
        await using var server = await DheeTestServer.StartAsync(new Dhee.Server.Execution.SimulatedRunExecutor { StepDelay = TimeSpan.Zero }, o =>
        {
            o.BundleRoots.Add(root);
            o.BundleLoader = path =>
            {
                loadedPath = path;
                return Dhee.Definitions.DefinitionBundleConverter.ToBundle(
                    System.Text.Json.JsonSerializer.Deserialize<Dhee.Definitions.DagDefinition>(SampleBodies.ThreeNodes().ToJsonString(), new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } })!);
            };
        });
        using var client = server.Client();

        var preparationId = await RunApi.CreateAsync(client, new JsonObject { ["bundleRef"] = "demo" });
        await RunApi.StartAsync(client, preparationId);
        await RunApi.WaitForStatusAsync(client, preparationId, "success");
        using var missing = await client.PostAsJsonAsync("runs", new JsonObject { ["bundleRef"] = "nope" });

        Assert.Equal(Path.Combine(root, "demo"), loadedPath);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}
