using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Dhee.Testing.Comfy;

namespace Dhee.Tests.Comfy;

public sealed class LoopbackComfyServerTests : IAsyncLifetime
{
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3];
    private LoopbackComfyServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await LoopbackComfyServer.StartAsync();
        _http = new HttpClient { BaseAddress = _server.BaseUri, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Get_SimpleRoutes_AnswerWithTheTranscriptBodies()
    {
        Assert.Equal("{\"queue_running\": [], \"queue_pending\": []}", await _http.GetStringAsync("queue"));
        Assert.Equal("{\"exec_info\": {\"queue_remaining\": 0}}", await _http.GetStringAsync("prompt"));
        Assert.Equal("[]", await _http.GetStringAsync("embeddings"));
        Assert.Equal("{}", await _http.GetStringAsync("history/00000000-0000-0000-0000-000000000000"));
        Assert.Equal("{}", await _http.GetStringAsync("object_info/NoSuchNode"));
        var stats = JsonNode.Parse(await _http.GetStringAsync("api/system_stats"))!;
        Assert.Equal("0.3.18", stats["system"]!["comfyui_version"]!.GetValue<string>());
        Assert.Equal("cpu", stats["devices"]![0]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task GetObjectInfo_ImageInvert_MatchesTranscript()
    {
        var body = await _http.GetStringAsync("object_info/ImageInvert");
        var expected = "{\"ImageInvert\": {\"input\": {\"required\": {\"image\": [\"IMAGE\"]}}, \"input_order\": {\"required\": [\"image\"]}, \"output\": [\"IMAGE\"], \"output_is_list\": [false], \"output_name\": [\"IMAGE\"], \"name\": \"ImageInvert\", \"display_name\": \"Invert Image\", \"description\": \"\", \"python_module\": \"nodes\", \"category\": \"image\", \"output_node\": false}}";
        Assert.Equal(expected, body);
        var all = JsonNode.Parse(await _http.GetStringAsync("object_info"))!.AsObject();
        Assert.Equal(260, all.Count);
    }

    [Fact]
    public async Task UploadImage_ClashingName_RenamedUnlessSameBytesOrOverwrite()
    {
        Assert.Equal("{\"name\": \"client_test.png\", \"subfolder\": \"\", \"type\": \"input\"}", await UploadAsync("client_test.png", Png, overwrite: true));
        Assert.Contains("\"name\": \"client_test.png\"", await UploadAsync("client_test.png", Png, overwrite: false), StringComparison.Ordinal);
        Assert.Contains("\"name\": \"client_test (1).png\"", await UploadAsync("client_test.png", [.. Png, 9], overwrite: false), StringComparison.Ordinal);
        Assert.Contains("\"name\": \"client_test (2).png\"", await UploadAsync("client_test.png", [.. Png, 8], overwrite: false), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostPrompt_Workflow1_SendsTranscriptFrameSequenceAndHistory()
    {
        await UploadAsync("client_test.png", Png, overwrite: true);
        using var ws = await ConnectAsync("x");
        var hello = await ReceiveTextAsync(ws);
        Assert.Equal("{\"type\": \"status\", \"data\": {\"status\": {\"exec_info\": {\"queue_remaining\": 0}}, \"sid\": \"x\"}}", hello);

        var response = await PostJsonAsync("prompt", $"{{\"client_id\": \"x\", \"prompt\": {Workflow1}}}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Matches("^\\{\"prompt_id\": \"[0-9a-f-]{36}\", \"number\": 0, \"node_errors\": \\{\\}\\}$", body);
        var id = JsonNode.Parse(body)!["prompt_id"]!.GetValue<string>();

        var frames = await ReceiveUntilDoneAsync(ws, id);
        Assert.Equal(
            ["status", "status", "execution_start", "execution_cached", "executing:1", "executing:2", "executing:3", "executed:3", "execution_success", "status", "executing:null"],
            frames.Select(Describe).ToArray());
        Assert.Equal("{\"images\": [{\"filename\": \"inv_test_00001_.png\", \"subfolder\": \"\", \"type\": \"output\"}]}", frames[7]["data"]!["output"]!.ToJsonString().Replace(",", ", ").Replace(":", ": "));

        var history = JsonNode.Parse(await _http.GetStringAsync($"history/{id}"))![id]!;
        Assert.Equal("success", history["status"]!["status_str"]!.GetValue<string>());
        Assert.Equal(["execution_start", "execution_cached", "execution_success"], history["status"]!["messages"]!.AsArray().Select(m => m![0]!.GetValue<string>()).ToArray());
        Assert.Equal("x", history["prompt"]![3]!["client_id"]!.GetValue<string>());
        Assert.Equal("3", history["meta"]!["3"]!["real_node_id"]!.GetValue<string>());

        using var view = await _http.GetAsync("view?filename=inv_test_00001_.png&subfolder=&type=output");
        Assert.Equal(HttpStatusCode.OK, view.StatusCode);
        Assert.Equal("image/png", view.Content.Headers.ContentType!.MediaType);
        Assert.Equal("filename=\"inv_test_00001_.png\"", view.Content.Headers.GetValues("Content-Disposition").Single());

        // Resubmitted: every node cached, no per-node executing, executed still sent.
        var second = JsonNode.Parse(await (await PostJsonAsync("prompt", $"{{\"client_id\": \"x\", \"prompt\": {Workflow1}}}")).Content.ReadAsStringAsync())!;
        Assert.Equal(1, second["number"]!.GetValue<int>());
        var id2 = second["prompt_id"]!.GetValue<string>();
        var cachedFrames = await ReceiveUntilDoneAsync(ws, id2);
        Assert.Equal(["status", "status", "execution_start", "execution_cached", "executed:3", "execution_success", "status", "executing:null"], cachedFrames.Select(Describe).ToArray());
        Assert.Equal("[\"1\",\"2\",\"3\"]", cachedFrames[3]["data"]!["nodes"]!.ToJsonString());
        var history2 = JsonNode.Parse(await _http.GetStringAsync($"history/{id2}"))![id2]!;
        Assert.Equal("inv_test_00001_.png", history2["outputs"]!["3"]!["images"]![0]!["filename"]!.GetValue<string>());
    }

    [Fact]
    public async Task PostPrompt_Workflow2_RunsPreviewFirstAndWritesTempOutput()
    {
        using var ws = await ConnectAsync("x");
        await ReceiveTextAsync(ws);
        var wf = """{"1": {"class_type": "EmptyImage", "inputs": {"width": 64, "height": 32, "batch_size": 1, "color": 3368601}}, "2": {"class_type": "ImageScale", "inputs": {"image": ["1", 0], "upscale_method": "bilinear", "width": 128, "height": 64, "crop": "disabled"}}, "3": {"class_type": "ImageBlur", "inputs": {"image": ["2", 0], "blur_radius": 3, "sigma": 1.0}}, "4": {"class_type": "SaveImage", "inputs": {"images": ["3", 0], "filename_prefix": "empty_test"}}, "5": {"class_type": "PreviewImage", "inputs": {"images": ["1", 0]}}}""";
        var id = JsonNode.Parse(await (await PostJsonAsync("prompt", $"{{\"client_id\": \"x\", \"prompt\": {wf}}}")).Content.ReadAsStringAsync())!["prompt_id"]!.GetValue<string>();
        var frames = await ReceiveUntilDoneAsync(ws, id);
        Assert.Equal(
            ["status", "status", "execution_start", "execution_cached", "executing:1", "executing:5", "executed:5", "executing:2", "executing:3", "executing:4", "executed:4", "execution_success", "status", "executing:null"],
            frames.Select(Describe).ToArray());
        Assert.Equal("temp", frames[6]["data"]!["output"]!["images"]![0]!["type"]!.GetValue<string>());
        var history = JsonNode.Parse(await _http.GetStringAsync($"history/{id}"))![id]!;
        Assert.Equal("[\"5\",\"4\"]", history["prompt"]![4]!.ToJsonString());
        Assert.Contains("\"sigma\": 1.0", await _http.GetStringAsync($"history/{id}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostPrompt_InvalidWorkflows_AnswerTranscriptErrorBodies()
    {
        var missing = await PostJsonAsync("prompt", """{"prompt": {"1": {"class_type": "LoadImage", "inputs": {"image": "does_not_exist.png"}}, "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "x"}}}}""");
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(
            "{\"error\": {\"type\": \"prompt_outputs_failed_validation\", \"message\": \"Prompt outputs failed validation\", \"details\": \"\", \"extra_info\": {}}, \"node_errors\": {\"1\": {\"errors\": [{\"type\": \"custom_validation_failed\", \"message\": \"Custom validation failed for node\", \"details\": \"image - Invalid image file: does_not_exist.png\", \"extra_info\": {\"input_name\": \"image\"}}], \"dependent_outputs\": [\"2\"], \"class_type\": \"LoadImage\"}}}",
            await missing.Content.ReadAsStringAsync());

        var unknown = await PostJsonAsync("prompt", """{"prompt": {"1": {"class_type": "NoSuchNode", "inputs": {}}}}""");
        Assert.Equal("{\"error\": {\"type\": \"invalid_prompt\", \"message\": \"Cannot execute because node NoSuchNode does not exist.\", \"details\": \"Node ID '#1'\", \"extra_info\": {}}, \"node_errors\": []}", await unknown.Content.ReadAsStringAsync());

        var noOutputs = await PostJsonAsync("prompt", """{"prompt": {"1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 0}}}}""");
        Assert.Equal("{\"error\": {\"type\": \"prompt_no_outputs\", \"message\": \"Prompt has no outputs\", \"details\": \"\", \"extra_info\": {}}, \"node_errors\": []}", await noOutputs.Content.ReadAsStringAsync());

        var empty = await PostJsonAsync("prompt", "{}");
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal("{\"error\": \"no prompt\", \"node_errors\": []}", await empty.Content.ReadAsStringAsync());

        var garbage = await PostJsonAsync("prompt", "not json");
        Assert.Equal(HttpStatusCode.InternalServerError, garbage.StatusCode);

        var outOfList = await PostJsonAsync("prompt", """{"prompt": {"1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd15.safetensors"}}, "2": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["1", 2]}}, "3": {"class_type": "EmptyLatentImage", "inputs": {"width": 8, "height": 512, "batch_size": 1}}, "4": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "x"}}}}""");
        var errors = JsonNode.Parse(await outOfList.Content.ReadAsStringAsync())!["node_errors"]!;
        Assert.Equal("value_not_in_list", errors["1"]!["errors"]![0]!["type"]!.GetValue<string>());
        Assert.Equal("value_smaller_than_min", errors["3"]!["errors"]![0]!["type"]!.GetValue<string>());
        Assert.Equal("[\"4\"]", errors["3"]!["dependent_outputs"]!.ToJsonString());
    }

    [Fact]
    public async Task PostPrompt_CorruptInput_SendsExecutionErrorThenStatusThenExecutingNull()
    {
        await UploadAsync("corrupt.png", [1, 2, 3, 4], overwrite: true);
        using var ws = await ConnectAsync("x");
        await ReceiveTextAsync(ws);
        var id = JsonNode.Parse(await (await PostJsonAsync("prompt", """{"client_id": "x", "prompt": {"1": {"class_type": "LoadImage", "inputs": {"image": "corrupt.png"}}, "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "never"}}}}""")).Content.ReadAsStringAsync())!["prompt_id"]!.GetValue<string>();
        var frames = await ReceiveUntilDoneAsync(ws, id);
        Assert.Equal(["status", "status", "execution_start", "execution_cached", "executing:1", "execution_error", "status", "executing:null"], frames.Select(Describe).ToArray());
        var error = frames[5]["data"]!;
        Assert.Equal("PIL.UnidentifiedImageError", error["exception_type"]!.GetValue<string>());
        Assert.Equal("[\"corrupt.png\"]", error["current_inputs"]!["image"]!.ToJsonString());
        var history = JsonNode.Parse(await _http.GetStringAsync($"history/{id}"))![id]!;
        Assert.Equal("error", history["status"]!["status_str"]!.GetValue<string>());
        Assert.False(history["status"]!["completed"]!.GetValue<bool>());
        Assert.Equal("{}", history["meta"]!.ToJsonString());
    }

    [Fact]
    public async Task View_UnsafeOrMissing_Answers400_403_404()
    {
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.GetAsync("view?filename=/etc/passwd&type=output")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.GetAsync("view?filename=a..png&type=output")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _http.GetAsync("view?filename=x.png&subfolder=../../etc&type=output")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("view?filename=nope.png&type=output")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.GetAsync("view?filename=nope.png&type=secret")).StatusCode);
    }

    [Fact]
    public async Task Interrupt_RunningPrompt_SendsExecutionInterruptedAndNextPromptRuns()
    {
        await using var slow = await LoopbackComfyServer.StartAsync(new LoopbackComfyServerOptions { NodeDelay = TimeSpan.FromMilliseconds(300) });
        using var http = new HttpClient { BaseAddress = slow.BaseUri };
        using var ws = await ConnectAsync("x", slow);
        await ReceiveTextAsync(ws);
        var wf = """{"client_id": "x", "prompt": {"1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 0}}, "2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}}, "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "int"}}}}""";
        var id = JsonNode.Parse(await (await http.PostAsync("prompt", new StringContent(wf))).Content.ReadAsStringAsync())!["prompt_id"]!.GetValue<string>();
        var queued = JsonNode.Parse(await (await http.PostAsync("prompt", new StringContent(wf.Replace("\"int\"", "\"int2\"", StringComparison.Ordinal)))).Content.ReadAsStringAsync())!["prompt_id"]!.GetValue<string>();
        await ReceiveUntilAsync(ws, f => f["type"]!.GetValue<string>() == "executing" && f["data"]!["node"]?.ToString() == "1");
        var queue = JsonNode.Parse(await http.GetStringAsync("queue"))!;
        Assert.Equal(id, queue["queue_running"]![0]![1]!.GetValue<string>());
        Assert.Equal(queued, queue["queue_pending"]![0]![1]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("interrupt", new StringContent($"{{\"prompt_id\": \"{id}\"}}"))).StatusCode);
        var frames = await ReceiveUntilDoneAsync(ws, id);
        Assert.Contains(frames, f => f["type"]!.GetValue<string>() == "execution_interrupted");
        var history = JsonNode.Parse(await http.GetStringAsync($"history/{id}"))![id]!;
        Assert.Equal("execution_interrupted", history["status"]!["messages"]!.AsArray().Last()![0]!.GetValue<string>());
        await ReceiveUntilDoneAsync(ws, queued);
        Assert.Equal("success", JsonNode.Parse(await http.GetStringAsync($"history/{queued}"))![queued]!["status"]!["status_str"]!.GetValue<string>());
    }

    [Fact]
    public async Task QueueDelete_PendingPrompt_IsRemovedAndNeverRuns()
    {
        _server.Faults.PauseQueue = true;
        var id = JsonNode.Parse(await (await PostJsonAsync("prompt", """{"prompt": {"1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 0}}, "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "q"}}}}""")).Content.ReadAsStringAsync())!["prompt_id"]!.GetValue<string>();
        Assert.Contains(id, await _http.GetStringAsync("queue"), StringComparison.Ordinal);
        await PostJsonAsync("queue", $"{{\"delete\": [\"{id}\"]}}");
        _server.Faults.PauseQueue = false;
        Assert.Equal("{\"queue_running\": [], \"queue_pending\": []}", await _http.GetStringAsync("queue"));
        Assert.Equal("{}", await _http.GetStringAsync($"history/{id}"));
    }

    [Fact]
    public async Task Faults_FailNextAndTruncate_AffectOnlyChosenCalls()
    {
        _server.Faults.FailNext("GET", "/queue", LoopbackFailureKind.ServiceUnavailable);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await _http.GetAsync("queue")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("queue")).StatusCode);
        _server.Faults.FailNext("GET", "/queue", LoopbackFailureKind.ConnectionReset);
        await Assert.ThrowsAsync<HttpRequestException>(() => _http.GetAsync("queue"));

        _server.AddInputFile("big.png", new byte[300_000]);
        _server.Faults.TruncateNextDownloads();
        await Assert.ThrowsAnyAsync<Exception>(async () => await _http.GetByteArrayAsync("view?filename=big.png&type=input"));
        Assert.Equal(300_000, (await _http.GetByteArrayAsync("view?filename=big.png&type=input")).Length);
    }

    [Theory]
    [InlineData(LoopbackFailureKind.ResetAfterProcessing)]
    [InlineData(LoopbackFailureKind.HangAfterProcessing)]
    public async Task Faults_AnswerLostAfterProcessing_PromptIsQueuedButTheClientGetsNoAnswer(LoopbackFailureKind kind)
    {
        _server.Faults.PauseQueue = true;
        _server.Faults.FailNext("POST", "/prompt", kind);
        using var impatient = new HttpClient { BaseAddress = _server.BaseUri, Timeout = TimeSpan.FromMilliseconds(500) };
        var body = """{"client_id": "x", "extra_data": {"dhee_submission": "m1"}, "prompt": {"1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 0}}, "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "lost"}}}}""";
        await Assert.ThrowsAnyAsync<Exception>(() => impatient.PostAsync("prompt", new StringContent(body, Encoding.UTF8, "application/json")));
        Assert.Equal(1, _server.AcceptedPrompts);
        var pending = JsonNode.Parse(await _http.GetStringAsync("queue"))!["queue_pending"]!.AsArray();
        var entry = Assert.Single(pending)!.AsArray();
        Assert.Equal("{\"dhee_submission\":\"m1\",\"client_id\":\"x\"}", entry[3]!.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, (await _http.PostAsync("prompt", new StringContent(body, Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(2, _server.AcceptedPrompts);
    }

    [Fact]
    public async Task Restart_ForgetsQueueAndHistory()
    {
        var id = JsonNode.Parse(await (await PostJsonAsync("prompt", """{"prompt": {"1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 0}}, "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "r"}}}}""")).Content.ReadAsStringAsync())!["prompt_id"]!.GetValue<string>();
        for (var i = 0; i < 200 && await _http.GetStringAsync($"history/{id}") == "{}"; i++)
        {
            await Task.Delay(10);
        }

        Assert.NotEqual("{}", await _http.GetStringAsync($"history/{id}"));
        _server.Restart();
        Assert.Equal("{}", await _http.GetStringAsync($"history/{id}"));
    }

    [Fact]
    public async Task PathPrefixAndRequiredHeaders_AreEnforced()
    {
        var options = new LoopbackComfyServerOptions { PathPrefix = "/comfy" };
        options.RequiredHeaders["X-API-Key"] = "k1";
        await using var server = await LoopbackComfyServer.StartAsync(options);
        Assert.EndsWith("/comfy/", server.BaseUri.ToString(), StringComparison.Ordinal);
        using var http = new HttpClient { BaseAddress = server.BaseUri };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("queue")).StatusCode);
        http.DefaultRequestHeaders.Add("X-API-Key", "k1");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("api/queue")).StatusCode);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PostPrompt_SamplerWithNewerServerSwitches_SendsBinaryFrameTypesAndProgressState(bool featureFlags)
    {
        var options = new LoopbackComfyServerOptions { SendProgressText = true, SendProgressState = true };
        options.Models["checkpoints"] = ["sd15.safetensors"];
        await using var server = await LoopbackComfyServer.StartAsync(options);
        using var http = new HttpClient { BaseAddress = server.BaseUri };
        using var ws = await ConnectAsync("x", server);
        if (featureFlags)
        {
            await ws.SendAsync("""{"type": "feature_flags", "data": {"supports_preview_metadata": true}}"""u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        }

        await ReceiveTextAsync(ws);
        var wf = """{"4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd15.safetensors"}}, "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a cat", "clip": ["4", 1]}}, "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512, "batch_size": 1}}, "3": {"class_type": "KSampler", "inputs": {"seed": 1, "steps": 2, "cfg": 7.0, "sampler_name": "euler", "scheduler": "normal", "denoise": 1.0, "model": ["4", 0], "positive": ["6", 0], "negative": ["6", 0], "latent_image": ["5", 0]}}, "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}}, "9": {"class_type": "SaveImage", "inputs": {"images": ["8", 0], "filename_prefix": "tti"}}}""";
        using var posted = await http.PostAsync("prompt", new StringContent($"{{\"client_id\": \"x\", \"prompt\": {wf}}}", Encoding.UTF8, "application/json"));
        var id = JsonNode.Parse(await posted.Content.ReadAsStringAsync())!["prompt_id"]!.GetValue<string>();

        var text = new List<JsonNode>();
        var binary = new List<byte[]>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var buffer = new byte[1 << 20];
        while (!(text.Count > 0 && text[^1]["type"]!.GetValue<string>() == "executing" && text[^1]["data"]!["node"] is null))
        {
            var count = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                result = await ws.ReceiveAsync(buffer.AsMemory(count), cts.Token);
                count += result.Count;
            }
            while (!result.EndOfMessage);
            if (result.MessageType == WebSocketMessageType.Text)
            {
                text.Add(JsonNode.Parse(buffer.AsSpan(0, count))!);
            }
            else
            {
                binary.Add(buffer[..count]);
            }
        }

        static int Be(byte[] b, int at) => System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(at));
        var texts = binary.Where(b => Be(b, 0) == 3).ToList();
        Assert.Equal(2, texts.Count);
        Assert.Equal(1, Be(texts[0], 4));
        Assert.Equal("3step 1/2", Encoding.UTF8.GetString(texts[0].AsSpan(8)));
        var previews = binary.Where(b => Be(b, 0) != 3).ToList();
        Assert.Equal(2, previews.Count);
        if (featureFlags)
        {
            Assert.All(previews, p => Assert.Equal(4, Be(p, 0)));
            var meta = JsonNode.Parse(previews[0].AsSpan(8, Be(previews[0], 4)))!;
            Assert.Equal(id, meta["prompt_id"]!.GetValue<string>());
            Assert.Equal("3", meta["node_id"]!.GetValue<string>());
            Assert.Equal("image/png", meta["image_type"]!.GetValue<string>());
            Assert.Equal(0x89, previews[0][8 + Be(previews[0], 4)]);
        }
        else
        {
            Assert.All(previews, p => Assert.Equal((1, 2, 0x89), (Be(p, 0), Be(p, 4), (int)p[8])));
        }

        var states = text.Where(f => f["type"]!.GetValue<string>() == "progress_state").Select(f => f["data"]!).ToList();
        Assert.All(states, s => Assert.Equal(id, s["prompt_id"]!.GetValue<string>()));
        var stepOne = states.Single(s => s["nodes"]!["3"]?["value"]?.GetValue<double>() == 1 && s["nodes"]!["3"]!["state"]!.GetValue<string>() == "running");
        Assert.Equal(2, stepOne["nodes"]!["3"]!["max"]!.GetValue<double>());
        Assert.Equal("finished", stepOne["nodes"]!["5"]!["state"]!.GetValue<string>());
        Assert.Null(stepOne["nodes"]!["9"]);
        Assert.All(states[^1]["nodes"]!.AsObject(), n => Assert.Equal("finished", n.Value!["state"]!.GetValue<string>()));
        Assert.Contains("\"parent_node_id\": null", text.First(f => f["type"]!.GetValue<string>() == "progress_state").ToJsonString().Replace(":", ": "), StringComparison.Ordinal);
    }

    [Fact]
    public async Task JobsApi_NewerServer_ServesRecordsListAndCancelOlderServerAnswers404()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("api/jobs/00000000-0000-0000-0000-000000000000")).StatusCode);
        Assert.Equal("404: Not Found", await (await _http.GetAsync("api/jobs")).Content.ReadAsStringAsync());

        await using var server = await LoopbackComfyServer.StartAsync(new LoopbackComfyServerOptions { ServeJobsApi = true });
        using var http = new HttpClient { BaseAddress = server.BaseUri };
        var missing = await http.GetAsync("api/jobs/00000000-0000-0000-0000-000000000000");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("{\"error\": \"Job not found\"}", await missing.Content.ReadAsStringAsync());

        var color = 0;
        async Task<string> Submit(string prefix)
        {
            // A new color each time: nothing is served from the execution cache.
            var wf = """{"1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": @C}}, "2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}}, "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "@P"}}}"""
                .Replace("@C", (color++).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal).Replace("@P", prefix, StringComparison.Ordinal);
            using var response = await http.PostAsync("prompt", new StringContent($"{{\"client_id\": \"x\", \"prompt\": {wf}}}", Encoding.UTF8, "application/json"));
            return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["prompt_id"]!.GetValue<string>();
        }

        var done = await Submit("done");
        JsonNode job = null!;
        for (var i = 0; i < 200 && job?["status"]?.GetValue<string>() != "completed"; i++)
        {
            await Task.Delay(20);
            job = JsonNode.Parse(await http.GetStringAsync($"api/jobs/{done}"))!;
        }

        Assert.Equal("completed", job["status"]!.GetValue<string>());
        Assert.Equal(0, job["priority"]!.GetValue<int>());
        Assert.True(job["create_time"]!.GetValue<long>() > 0);
        Assert.Equal(1, job["outputs_count"]!.GetValue<int>());
        Assert.Equal("3", job["preview_output"]!["nodeId"]!.GetValue<string>());
        Assert.Equal("images", job["preview_output"]!["mediaType"]!.GetValue<string>());
        Assert.Equal("done_00001_.png", job["outputs"]!["3"]!["images"]![0]!["filename"]!.GetValue<string>());
        Assert.Equal("success", job["execution_status"]!["status_str"]!.GetValue<string>());
        Assert.Equal("x", job["workflow"]!["extra_data"]!["client_id"]!.GetValue<string>());

        server.Faults.HangExecution = true;
        var running = await Submit("run");
        var pending = await Submit("wait");
        for (var i = 0; i < 200 && JsonNode.Parse(await http.GetStringAsync($"api/jobs/{running}"))!["status"]!.GetValue<string>() != "in_progress"; i++)
        {
            await Task.Delay(20);
        }

        var list = JsonNode.Parse(await http.GetStringAsync("api/jobs?status=pending,in_progress"))!;
        Assert.Equal(new[] { pending, running }.Order(StringComparer.Ordinal), list["jobs"]!.AsArray().Select(j => j!["id"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Equal("{\"offset\": 0, \"limit\": null, \"total\": 2, \"has_more\": false}", list["pagination"]!.ToJsonString().Replace(":", ": ").Replace(",", ", "));
        var paged = JsonNode.Parse(await http.GetStringAsync("api/jobs?limit=1&offset=1"))!;
        Assert.Single(paged["jobs"]!.AsArray());
        Assert.True(paged["pagination"]!["has_more"]!.GetValue<bool>());

        async Task<string> Cancel(string id) => await (await http.PostAsync($"api/jobs/{id}/cancel", null)).Content.ReadAsStringAsync();
        Assert.Equal("{\"cancelled\": true}", await Cancel(pending));
        Assert.Equal("{\"cancelled\": true}", await Cancel(running));
        Assert.Equal("{\"cancelled\": false}", await Cancel(done));
        for (var i = 0; i < 200 && JsonNode.Parse(await http.GetStringAsync($"api/jobs/{running}"))!["status"]!.GetValue<string>() != "cancelled"; i++)
        {
            await Task.Delay(20);
        }

        Assert.Equal("cancelled", JsonNode.Parse(await http.GetStringAsync($"api/jobs/{running}"))!["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"api/jobs/{pending}")).StatusCode);
    }

    private const string Workflow1 = """{"1": {"class_type": "LoadImage", "inputs": {"image": "client_test.png"}}, "2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}}, "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "inv_test"}}}""";

    private static string Describe(JsonNode frame)
    {
        var type = frame["type"]!.GetValue<string>();
        return type is "executing" or "executed" ? $"{type}:{frame["data"]!["node"]?.ToString() ?? "null"}" : type;
    }

    private async Task<string> UploadAsync(string name, byte[] bytes, bool overwrite)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(file, "image", name);
        form.Add(new StringContent(overwrite ? "true" : "false"), "overwrite");
        using var response = await _http.PostAsync("upload/image", form);
        return await response.Content.ReadAsStringAsync();
    }

    private Task<HttpResponseMessage> PostJsonAsync(string path, string json)
        => _http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    private async Task<ClientWebSocket> ConnectAsync(string clientId, LoopbackComfyServer? server = null)
    {
        var ws = new ClientWebSocket();
        var uri = new UriBuilder(new Uri((server ?? _server).BaseUri, $"ws?clientId={clientId}")) { Scheme = "ws" }.Uri;
        await ws.ConnectAsync(uri, CancellationToken.None);
        return ws;
    }

    private static async Task<string> ReceiveTextAsync(ClientWebSocket ws)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var buffer = new byte[1 << 20];
        while (true)
        {
            var count = 0;
            WebSocketReceiveResult result;
            do
            {
                result = await ws.ReceiveAsync(buffer.AsMemory(count), cts.Token) is var r ? new WebSocketReceiveResult(r.Count, r.MessageType, r.EndOfMessage) : null!;
                count += result.Count;
            }
            while (!result.EndOfMessage);

            if (result.MessageType == WebSocketMessageType.Text)
            {
                return Encoding.UTF8.GetString(buffer, 0, count);
            }
        }
    }

    private static async Task<List<JsonNode>> ReceiveUntilAsync(ClientWebSocket ws, Func<JsonNode, bool> stop)
    {
        var frames = new List<JsonNode>();
        while (true)
        {
            var frame = JsonNode.Parse(await ReceiveTextAsync(ws))!;
            frames.Add(frame);
            if (stop(frame))
            {
                return frames;
            }
        }
    }

    private static Task<List<JsonNode>> ReceiveUntilDoneAsync(ClientWebSocket ws, string promptId)
        => ReceiveUntilAsync(ws, f => f["type"]!.GetValue<string>() == "executing" && f["data"]!["node"] is null && f["data"]!["prompt_id"]!.GetValue<string>() == promptId);
}
