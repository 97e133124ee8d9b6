using System.Text.Json.Nodes;
using Dhee.BuiltIn.Llm;
using Dhee.Caching;
using Dhee.Inputs;
using Dhee.Runners;
using Dhee.Testing;
using Dhee.Testing.OpenAI;
using Microsoft.Extensions.AI;
using static Dhee.Tests.BuiltIn.RunnerContexts;

namespace Dhee.Tests.BuiltIn.Llm;

public sealed class LlmGenerateRunnerTests : IAsyncLifetime
{
    private const string Schema = """
        { "type": "object", "required": ["title", "beats"], "additionalProperties": false,
          "properties": { "title": { "type": "string" }, "beats": { "type": "array", "minItems": 1, "items": { "type": "string" } } } }
        """;

    private readonly TestProjectDirectory _project = new("dhee-llm-project");
    private readonly TestProjectDirectory _bundle = new("dhee-llm-bundle");
    private readonly string _keyVariable = "DHEE_TEST_LLM_KEY_" + Guid.NewGuid().ToString("N");
    private LoopbackOpenAIServer _server = null!;
    private OpenAICompatibleChatClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await LoopbackOpenAIServer.StartAsync();
        _client = new OpenAICompatibleChatClient(new OpenAICompatibleChatClientOptions { Endpoint = _server.BaseUri, ApiKeyEnvironmentVariable = _keyVariable, Model = "loop-model" });
        _bundle.WriteFile("prompts/plan.md", "You plan explainer videos.\n<<<DHEE_CACHE_BREAKPOINT>>>\nTopic: {{ topic }}\nItem: {{item_id}}");
        _bundle.WriteFile("prompts/md.md", "Write about {{ topic }}.");
        _bundle.WriteFile("schemas/plan.schema.json", Schema);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        _project.Dispose();
        _bundle.Dispose();
    }

    [Fact]
    public async Task RunAsync_Markdown_WritesAnswerAndUsage()
    {
        _server.Enqueue(new ScriptedChatReply { Content = "# Volcanoes\nHot.", PromptTokens = 12, CompletionTokens = 7 });
        var ctx = Context(new JsonObject { ["promptTemplate"] = "prompts/md.md", ["model"] = "m-1", ["temperature"] = 0.2, ["maxTokens"] = 300 });

        var result = await new LlmGenerateRunner().RunAsync(ctx);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("# Volcanoes\nHot.", await File.ReadAllTextAsync(ctx.OutputFullPath));
        var request = Assert.Single(_server.Requests);
        Assert.Equal("m-1", request.Body["model"]!.GetValue<string>());
        Assert.Equal(300, request.Body["max_tokens"]!.GetValue<int>());
        Assert.Null(request.ResponseFormatType);
        Assert.Equal(("user", "Write about volcanoes."), Assert.Single(request.Messages));
        Assert.Equal(12, result.Metadata["usage"]!["inputTokens"]!.GetValue<long>());
        Assert.Equal(7, result.Metadata["usage"]!["outputTokens"]!.GetValue<long>());
    }

    [Fact]
    public async Task RunAsync_CacheBreakpoint_SplitsSystemPrefixFromItemSuffix()
    {
        _server.Enqueue(ScriptedChatReply.Text("```json\n{\"title\":\"T\",\"beats\":[\"a\"]}\n```"));
        var ctx = Context(JsonConfig(), itemId: "beat_3");

        var result = await new LlmGenerateRunner().RunAsync(ctx);

        Assert.True(result.IsSuccess, result.ToString());
        var messages = Assert.Single(_server.Requests).Messages;
        Assert.Equal(("system", "You plan explainer videos."), messages[0]);
        Assert.Equal(("user", "Topic: volcanoes\nItem: beat_3"), messages[1]);
    }

    [Fact]
    public async Task RunAsync_FencedJson_IsUnwrappedValidatedAndWrittenPretty()
    {
        _server.Enqueue(ScriptedChatReply.Text("Here you go:\n```json\n{\"title\":\"Volcanoes\",\"beats\":[\"magma\",\"ash\"]}\n```\nEnjoy!"));
        var ctx = Context(JsonConfig());

        var result = await new LlmGenerateRunner().RunAsync(ctx);

        Assert.True(result.IsSuccess, result.ToString());
        var written = JsonNode.Parse(await File.ReadAllTextAsync(ctx.OutputFullPath))!;
        Assert.Equal("ash", written["beats"]![1]!.GetValue<string>());
        Assert.Equal("json_object", Assert.Single(_server.Requests).ResponseFormatType);
        Assert.Equal(1, result.Metadata["attempts"]!.GetValue<int>());
    }

    [Fact]
    public async Task RunAsync_InvalidJsonThenValid_RetriesWithBadAnswerAndCorrection()
    {
        _server.Enqueue(ScriptedChatReply.Text("{\"title\": \"x\", beats: [}"), ScriptedChatReply.Text("{\"title\":\"x\",\"beats\":[\"b\"]}"));
        var ctx = Context(JsonConfig());

        var result = await new LlmGenerateRunner().RunAsync(ctx);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(2, result.Metadata["attempts"]!.GetValue<int>());
        var retry = _server.Requests[1].Messages;
        Assert.Equal(("assistant", "{\"title\": \"x\", beats: [}"), retry[^2]);
        Assert.Equal("user", retry[^1].Role);
        Assert.Contains("not valid JSON", retry[^1].Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_SchemaViolationThenValid_SendsSchemaComplaints()
    {
        _server.Enqueue(ScriptedChatReply.Text("{\"title\": 5, \"extra\": true}"), ScriptedChatReply.Text("{\"title\":\"ok\",\"beats\":[\"b\"]}"));
        var ctx = Context(JsonConfig());

        var result = await new LlmGenerateRunner().RunAsync(ctx);

        Assert.True(result.IsSuccess, result.ToString());
        var correction = _server.Requests[1].Messages[^1].Content;
        Assert.Contains("beats", correction, StringComparison.Ordinal);
        Assert.Contains("$.title", correction, StringComparison.Ordinal);
        Assert.Contains("extra", correction, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_NeverValid_FailsListingEveryAttemptWithoutOutput()
    {
        _server.Enqueue(ScriptedChatReply.Text("nope"), ScriptedChatReply.Text("{\"title\":1}"));
        var config = JsonConfig();
        config["maxRetries"] = 1;
        var ctx = Context(config);

        var result = await new LlmGenerateRunner().RunAsync(ctx);

        Assert.False(result.IsSuccess);
        Assert.Contains("attempt 1: the answer is not valid JSON", result.Error.Message, StringComparison.Ordinal);
        Assert.Contains("attempt 2: ", result.Error.Message, StringComparison.Ordinal);
        Assert.Contains("$.title", result.Error.Message, StringComparison.Ordinal);
        Assert.Equal(2, _server.Requests.Count);
        Assert.False(File.Exists(ctx.OutputFullPath));
        Assert.Empty(Directory.GetFiles(_project.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task RunAsync_MissingVariable_FailsBeforeAnyCallNamingVariableAndTemplate()
    {
        var ctx = Context(JsonConfig(), inputs: []);

        var result = await new LlmGenerateRunner().RunAsync(ctx);

        Assert.False(result.IsSuccess);
        Assert.Contains("{{ topic }}", result.Error.Message, StringComparison.Ordinal);
        Assert.Contains("prompts/plan.md", result.Error.Message, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task RunAsync_NonStringInput_InsertedAsJson()
    {
        _server.Enqueue(ScriptedChatReply.Text("ok"));
        var ctx = Context(new JsonObject { ["promptTemplate"] = "prompts/md.md" },
            inputs: [Input("topic", new JsonInputValue(new JsonObject { ["name"] = "Etna", ["height"] = 3357 }))]);

        var result = await new LlmGenerateRunner().RunAsync(ctx);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("Write about {\"name\":\"Etna\",\"height\":3357}.", _server.Requests[0].Messages[0].Content);
    }

    [Fact]
    public async Task RunAsync_AutoModeJsonSchemaRejected_FallsBackAndRemembers()
    {
        _server.Enqueue(
            new ScriptedChatReply { RejectJsonSchema = true, Content = "{\"title\":\"a\",\"beats\":[\"b\"]}" },
            new ScriptedChatReply { RejectJsonSchema = true, Content = "{\"title\":\"a\",\"beats\":[\"b\"]}" },
            new ScriptedChatReply { RejectJsonSchema = true, Content = "{\"title\":\"c\",\"beats\":[\"d\"]}" });
        var config = JsonConfig();
        config["structuredMode"] = "auto";
        config["structuredStrict"] = true;
        var runner = new LlmGenerateRunner();

        var first = await runner.RunAsync(Context(config, output: "a.json"));
        var second = await runner.RunAsync(Context((JsonObject)config.DeepClone(), output: "b.json"));

        Assert.True(first.IsSuccess, first.ToString());
        Assert.True(second.IsSuccess, second.ToString());
        Assert.True(first.Metadata["structuredFallback"]!.GetValue<bool>());
        var formats = _server.Requests.Select(r => r.ResponseFormatType).ToList();
        Assert.Equal(["json_schema", "json_object", "json_object"], formats);
        Assert.True(_server.Requests[0].Body["response_format"]!["json_schema"]!["strict"]!.GetValue<bool>());
        Assert.Equal("object", _server.Requests[0].Body["response_format"]!["json_schema"]!["schema"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task RunAsync_JsonSchemaModeRejected_FailsSuggestingAuto()
    {
        _server.Enqueue(new ScriptedChatReply { RejectJsonSchema = true, Content = "{}" });
        var config = JsonConfig();
        config["structuredMode"] = "json_schema";

        var result = await new LlmGenerateRunner().RunAsync(Context(config));

        Assert.False(result.IsSuccess);
        Assert.Contains("'auto'", result.Error.Message, StringComparison.Ordinal);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task RunAsync_429Then503_RetriesTransientlyThenSucceeds()
    {
        _server.Enqueue(ScriptedChatReply.Error(429, "rate limited"), ScriptedChatReply.Error(503, "overloaded"), ScriptedChatReply.Text("fine"));
        var options = new LlmGenerateOptions { TransientBaseDelay = TimeSpan.FromMilliseconds(1) };

        var result = await new LlmGenerateRunner(options).RunAsync(Context(new JsonObject { ["promptTemplate"] = "prompts/md.md" }));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(3, _server.Requests.Count);
        Assert.Equal(1, result.Metadata["attempts"]!.GetValue<int>());
    }

    [Fact]
    public async Task RunAsync_TransientErrorsExhausted_FailsAsTransient()
    {
        _server.Enqueue(ScriptedChatReply.Error(502), ScriptedChatReply.Error(502));
        var options = new LlmGenerateOptions { TransientBaseDelay = TimeSpan.FromMilliseconds(1), TransientRetries = 1 };

        var result = await new LlmGenerateRunner(options).RunAsync(Context(new JsonObject { ["promptTemplate"] = "prompts/md.md" }));

        Assert.False(result.IsSuccess);
        Assert.True(result.Error.IsTransient);
        Assert.Contains("502", result.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_BadRequest_FailsAtOnceWithServerMessage()
    {
        _server.Enqueue(ScriptedChatReply.Error(401, "Incorrect API key provided"));

        var result = await new LlmGenerateRunner().RunAsync(Context(new JsonObject { ["promptTemplate"] = "prompts/md.md" }));

        Assert.False(result.IsSuccess);
        Assert.False(result.Error.IsTransient);
        Assert.Contains("Incorrect API key provided", result.Error.Message, StringComparison.Ordinal);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task RunAsync_CancelledMidRequest_ThrowsAndWritesNothing()
    {
        _server.Enqueue(new ScriptedChatReply { Content = "late", Delay = TimeSpan.FromMinutes(5) });
        using var cts = new CancellationTokenSource();
        var ctx = Context(new JsonObject { ["promptTemplate"] = "prompts/md.md" }, cancellationToken: cts.Token);

        var run = new LlmGenerateRunner().RunAsync(ctx).AsTask();
        while (_server.Requests.Count == 0 && !run.IsCompleted)
        {
            await Task.Delay(10);
        }

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.False(File.Exists(ctx.OutputFullPath));
    }

    [Fact]
    public async Task RunAsync_ProviderCost_SummedOverAttempts()
    {
        _server.Enqueue(new ScriptedChatReply { Content = "bad", CostUsd = 0.002m }, new ScriptedChatReply { Content = "{\"title\":\"a\",\"beats\":[\"b\"]}", CostUsd = 0.003m });

        var result = await new LlmGenerateRunner().RunAsync(Context(JsonConfig()));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(0.005m, result.CostUsd);
    }

    [Fact]
    public async Task RunAsync_PriceTable_UsedWhenProviderReportsNoCost()
    {
        _server.Enqueue(new ScriptedChatReply { Content = "x", PromptTokens = 1_000, CompletionTokens = 500 });
        var options = new LlmGenerateOptions();
        options.TierModels["light"] = "cheap-model";
        options.Prices["cheap-model"] = new LlmPrice(2m, 8m);

        var result = await new LlmGenerateRunner(options).RunAsync(Context(new JsonObject { ["promptTemplate"] = "prompts/md.md", ["tier"] = "light" }));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("cheap-model", _server.Requests[0].Body["model"]!.GetValue<string>());
        Assert.Equal("tier:light", result.Metadata["routedBy"]!.GetValue<string>());
        Assert.Equal(0.006m, result.CostUsd);
    }

    [Fact]
    public async Task RunAsync_ValidateWith_ComplaintsTriggerRetry()
    {
        _server.Enqueue(ScriptedChatReply.Text("{\"title\":\"a\",\"beats\":[\"b\"]}"), ScriptedChatReply.Text("{\"title\":\"a\",\"beats\":[\"b\",\"c\"]}"));
        var services = new ServiceMap().Add<IChatClient>(_client).Add<IEnumerable<ILlmOutputValidator>>([new MinBeatsValidator()]);
        var config = JsonConfig();
        config["validateWith"] = "min-beats";

        var result = await new LlmGenerateRunner().RunAsync(Context(config, services: services));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Contains("needs at least 2 beats", _server.Requests[1].Messages[^1].Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_UnknownValidator_FailsBeforeAnyCall()
    {
        var config = JsonConfig();
        config["validateWith"] = "nope";

        var result = await new LlmGenerateRunner().RunAsync(Context(config));

        Assert.False(result.IsSuccess);
        Assert.Contains("'nope' is not registered", result.Error.Message, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task RunAsync_GenerationCache_HitSkipsCallAndTemplateChangeMisses()
    {
        using var cacheDir = new TestProjectDirectory("dhee-llm-cas");
        var cache = GenerationCache.Open(new GenerationCacheOptions { Root = cacheDir.Path });
        _server.Enqueue(ScriptedChatReply.Text("one"), ScriptedChatReply.Text("two"));
        var runner = new LlmGenerateRunner();
        var config = new JsonObject { ["promptTemplate"] = "prompts/md.md" };

        var first = await runner.RunAsync(Context(config, output: "a.md", cache: cache));
        var second = await runner.RunAsync(Context((JsonObject)config.DeepClone(), output: "b.md", cache: cache));
        _bundle.WriteFile("prompts/md.md", "Write about {{ topic }}. ");
        var third = await runner.RunAsync(Context((JsonObject)config.DeepClone(), output: "c.md", cache: cache));

        Assert.False(first.Cached);
        Assert.True(second.Cached);
        Assert.Equal("one", await File.ReadAllTextAsync(Path.Combine(_project.Path, "b.md")));
        Assert.False(third.Cached);
        Assert.Equal(2, _server.Requests.Count);
        Assert.NotEqual(first.InputsHash, third.InputsHash);
    }

    [Fact]
    public async Task RunAsync_ApiKeyFromNamedVariable_SentAsBearer()
    {
        Environment.SetEnvironmentVariable(_keyVariable, "sk-test-123");
        try
        {
            _server.Enqueue(ScriptedChatReply.Text("ok"));

            var result = await new LlmGenerateRunner().RunAsync(Context(new JsonObject { ["promptTemplate"] = "prompts/md.md" }));

            Assert.True(result.IsSuccess, result.ToString());
            Assert.Equal("Bearer sk-test-123", _server.Requests[0].Authorization);
            Assert.DoesNotContain("sk-test-123", result.Metadata.ToJsonString(), StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(_keyVariable, null);
        }
    }

    [Fact]
    public async Task RunAsync_NoChatClient_FailsSayingHowToConfigure()
    {
        var result = await new LlmGenerateRunner(new LlmGenerateOptions()).RunAsync(Context(new JsonObject { ["promptTemplate"] = "prompts/md.md" }, services: new ServiceMap()));

        // The environment of the test machine may configure an LLM; only assert when it does not.
        if (Environment.GetEnvironmentVariable(OpenAICompatibleChatClientOptions.EndpointVariable) is null
            && Environment.GetEnvironmentVariable(OpenAICompatibleChatClientOptions.ModelVariable) is null)
        {
            Assert.False(result.IsSuccess);
            Assert.Contains("DHEE_LLM_ENDPOINT", result.Error!.Message, StringComparison.Ordinal);
        }
    }

    private static JsonObject JsonConfig() => new()
    {
        ["promptTemplate"] = "prompts/plan.md",
        ["outputFormat"] = "json",
        ["outputSchema"] = "schemas/plan.schema.json",
    };

    private RunnerContext Context(
        JsonObject config,
        string output = "plans/plan.json",
        string? itemId = null,
        IEnumerable<KeyValuePair<string, InputValue>>? inputs = null,
        IServiceProvider? services = null,
        IGenerationCache? cache = null,
        CancellationToken cancellationToken = default)
        => Create(
            "llm.generate",
            _project.Path,
            output,
            config,
            inputs ?? [Input("topic", new TextInputValue("volcanoes"))],
            bundleDir: _bundle.Path,
            itemId: itemId ?? "beat_1",
            cache: cache,
            services: services ?? new ServiceMap().Add<IChatClient>(_client),
            nodeId: "scene_plan",
            cancellationToken: cancellationToken);

    private sealed class MinBeatsValidator : ILlmOutputValidator
    {
        public string Name => "min-beats";

        public ValueTask<IReadOnlyList<string>> ValidateAsync(JsonNode? output, string text, RunnerContext context, CancellationToken cancellationToken)
            => ValueTask.FromResult<IReadOnlyList<string>>(output?["beats"]?.AsArray().Count >= 2 ? [] : ["the plan needs at least 2 beats"]);
    }
}
