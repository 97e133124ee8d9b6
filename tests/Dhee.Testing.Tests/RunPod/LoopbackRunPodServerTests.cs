using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Dhee.Testing.Comfy;
using Dhee.Testing.RunPod;

namespace Dhee.Tests.RunPod;

public sealed class LoopbackRunPodServerTests
{
    private const string Workflow = """
        {"1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 0}},
         "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "rp"}}}
        """;

    private static HttpClient Client(LoopbackRunPodServer server, string? key = null)
    {
        var http = new HttpClient { BaseAddress = new Uri(server.EndpointBase + "/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key ?? server.ApiKey);
        return http;
    }

    private static StringContent Body(string workflow = Workflow, string? images = null)
        => new($"{{\"input\": {{\"workflow\": {workflow}{(images is null ? string.Empty : ", \"images\": " + images)}}}}}", Encoding.UTF8, "application/json");

    private static async Task<JsonObject> JsonAsync(HttpResponseMessage response)
        => (JsonObject)JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

    private static async Task<JsonObject> PollAsync(HttpClient http, string id, Func<string, bool> until)
    {
        for (var i = 0; i < 500; i++)
        {
            var status = await JsonAsync(await http.GetAsync($"status/{id}"));
            if (until(status["status"]!.GetValue<string>()))
            {
                return status;
            }

            await Task.Delay(10);
        }

        throw new TimeoutException("job did not reach the expected status");
    }

    [Fact]
    public async Task Run_ThenStatus_GoesThroughLifecycleWithTimesAndBase64Output()
    {
        await using var server = await LoopbackRunPodServer.StartAsync();
        server.Faults.HoldInQueue = true;
        using var http = Client(server);
        var accepted = await JsonAsync(await http.PostAsync("run", Body()));
        Assert.Equal("IN_QUEUE", accepted["status"]!.GetValue<string>());
        var id = accepted["id"]!.GetValue<string>();
        Assert.Equal("IN_QUEUE", (await JsonAsync(await http.GetAsync($"status/{id}")))["status"]!.GetValue<string>());
        server.Faults.HoldInQueue = false;

        var done = await PollAsync(http, id, s => s == "COMPLETED");
        Assert.True(done["delayTime"]!.GetValue<long>() >= 0);
        Assert.True(done["executionTime"]!.GetValue<long>() >= 0);
        var image = Assert.Single(done["output"]!["images"]!.AsArray())!;
        Assert.Equal("base64", image["type"]!.GetValue<string>());
        Assert.EndsWith(".png", image["filename"]!.GetValue<string>(), StringComparison.Ordinal);
        var bytes = Convert.FromBase64String(image["data"]!.GetValue<string>());
        Assert.Equal(0x89, bytes[0]);
    }

    [Fact]
    public async Task Requests_WithoutOrWithWrongKey_Answer401()
    {
        await using var server = await LoopbackRunPodServer.StartAsync();
        using var wrong = Client(server, "nope");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.PostAsync("run", Body())).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("health")).StatusCode);
        Assert.Equal(2, server.Unauthorized);
        Assert.Empty(server.ReceivedInputs);
    }

    [Fact]
    public async Task RateLimit_Answers429WithRetryAfterThenRecovers()
    {
        await using var server = await LoopbackRunPodServer.StartAsync();
        server.Faults.RateLimitNext("run", 1, retryAfterSeconds: 3);
        using var http = Client(server);
        var limited = await http.PostAsync("run", Body());
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), limited.Headers.RetryAfter!.Delta);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("run", Body())).StatusCode);
    }

    [Fact]
    public async Task Run_BodyOverLimit_Answers413ButRunSyncTakesIt()
    {
        await using var server = await LoopbackRunPodServer.StartAsync(new LoopbackRunPodServerOptions { RunBodyLimit = 1000, RunSyncBodyLimit = 4000 });
        using var http = Client(server);
        var images = $"[{{\"name\": \"in.png\", \"image\": \"{new string('A', 2000)}\"}}]";
        var refused = await http.PostAsync("run", Body(images: images));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        Assert.Contains("limit", (await JsonAsync(refused))["error"]!.GetValue<string>(), StringComparison.Ordinal);
        var sync = await JsonAsync(await http.PostAsync("runsync?wait=5000", Body(images: images)));
        Assert.Equal("COMPLETED", sync["status"]!.GetValue<string>());
        Assert.NotNull(sync["output"]);
    }

    [Fact]
    public async Task S3Mode_UrlPointsBackAtServerAndServesBytes()
    {
        await using var server = await LoopbackRunPodServer.StartAsync(new LoopbackRunPodServerOptions { OutputMode = LoopbackRunPodOutputMode.S3Url });
        using var http = Client(server);
        var done = await JsonAsync(await http.PostAsync("runsync", Body()));
        var image = done["output"]!["images"]![0]!;
        Assert.Equal("s3_url", image["type"]!.GetValue<string>());
        var url = new Uri(image["data"]!.GetValue<string>());
        Assert.Equal(server.BaseUri.Authority, url.Authority);
        using var anonymous = new HttpClient();
        var bytes = await anonymous.GetByteArrayAsync(url);
        Assert.Equal(0x89, bytes[0]);
    }

    [Fact]
    public async Task LegacyMode_ReturnsDataUriMessage()
    {
        await using var server = await LoopbackRunPodServer.StartAsync(new LoopbackRunPodServerOptions { OutputMode = LoopbackRunPodOutputMode.LegacyBase64 });
        using var http = Client(server);
        var done = await JsonAsync(await http.PostAsync("runsync", Body()));
        Assert.Equal("success", done["output"]!["status"]!.GetValue<string>());
        Assert.StartsWith("data:image/png;base64,", done["output"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Faults_FailedTimedOutNoImagesAndErrors_ReportedLikeRunPod()
    {
        await using var server = await LoopbackRunPodServer.StartAsync();
        using var http = Client(server);
        server.Faults.FailJobsWith = "CUDA out of memory";
        var failed = await JsonAsync(await http.PostAsync("runsync", Body()));
        Assert.Equal("FAILED", failed["status"]!.GetValue<string>());
        Assert.Equal("CUDA out of memory", failed["error"]!.GetValue<string>());

        server.Faults.FailJobsWith = null;
        server.Faults.TimeOutJobs = true;
        Assert.Equal("TIMED_OUT", (await JsonAsync(await http.PostAsync("runsync", Body())))["status"]!.GetValue<string>());

        server.Faults.TimeOutJobs = false;
        server.Faults.NoImages = true;
        var empty = await JsonAsync(await http.PostAsync("runsync", Body()));
        Assert.Equal("success_no_images", empty["output"]!["status"]!.GetValue<string>());
        Assert.Empty(empty["output"]!["images"]!.AsArray());

        server.Faults.NoImages = false;
        server.Faults.OutputErrors.Add("node 7: could not save");
        var partial = await JsonAsync(await http.PostAsync("runsync", Body()));
        Assert.Equal("node 7: could not save", partial["output"]!["errors"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Cancel_QueuedJob_BecomesCancelledAndRetryRequeuesIt()
    {
        await using var server = await LoopbackRunPodServer.StartAsync();
        server.Faults.HoldInQueue = true;
        using var http = Client(server);
        var id = (await JsonAsync(await http.PostAsync("run", Body())))["id"]!.GetValue<string>();
        var health = await JsonAsync(await http.GetAsync("health"));
        Assert.Equal(1, health["jobs"]!["inQueue"]!.GetValue<int>());

        Assert.Equal("CANCELLED", (await JsonAsync(await http.PostAsync($"cancel/{id}", null)))["status"]!.GetValue<string>());
        Assert.Equal("CANCELLED", server.GetJobStatus(id));
        server.Faults.HoldInQueue = false;
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync($"retry/{id}", null)).StatusCode);
        await PollAsync(http, id, s => s == "COMPLETED");
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync($"retry/{id}", null)).StatusCode);
        Assert.Equal(1, (await JsonAsync(await http.GetAsync("health")))["jobs"]!["retried"]!.GetValue<int>());
    }

    [Fact]
    public async Task BackingComfy_RunsWorkflowWithInlineImagesOnLoopbackComfyUI()
    {
        await using var comfy = await LoopbackComfyServer.StartAsync();
        await using var server = await LoopbackRunPodServer.StartAsync(new LoopbackRunPodServerOptions { Comfy = comfy });
        using var http = Client(server);
        var png = Convert.ToBase64String([0x89, 0x50, 0x4E, 0x47, 1, 2, 3]);
        var done = await JsonAsync(await http.PostAsync("runsync", Body(images: $"[{{\"name\": \"in.png\", \"image\": \"data:image/png;base64,{png}\"}}]")));
        Assert.Equal("COMPLETED", done["status"]!.GetValue<string>());
        Assert.Contains("in.png", comfy.InputFiles);
        Assert.Equal(1, comfy.AcceptedPrompts);
        Assert.StartsWith("rp_", done["output"]!["images"]![0]!["filename"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_ReturnsEachPushedOutputOnceWithStatus_OrAnswers404WhenUnsupported()
    {
        await using var server = await LoopbackRunPodServer.StartAsync();
        server.Faults.HangInProgress = true;
        using var http = Client(server);
        var id = (await JsonAsync(await http.PostAsync("run", Body())))["id"]!.GetValue<string>();
        await PollAsync(http, id, s => s == "IN_PROGRESS");
        server.PushStreamOutput(id, new JsonObject { ["value"] = 1, ["max"] = 4 });
        server.PushStreamOutput(id, new JsonObject { ["value"] = 2, ["max"] = 4 });

        var first = await JsonAsync(await http.GetAsync($"stream/{id}"));
        Assert.Equal("IN_PROGRESS", first["status"]!.GetValue<string>());
        Assert.Equal([1, 2], first["stream"]!.AsArray().Select(c => c!["output"]!["value"]!.GetValue<int>()));
        Assert.Empty((await JsonAsync(await http.GetAsync($"stream/{id}")))["stream"]!.AsArray());
        Assert.Equal(1, server.MaxActiveJobs);

        server.Faults.StreamUnsupported = true;
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"stream/{id}")).StatusCode);
        server.Faults.HangInProgress = false;
        await PollAsync(http, id, s => s == "COMPLETED");
    }
}
