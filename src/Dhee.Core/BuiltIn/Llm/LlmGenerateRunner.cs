using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dhee.Caching;
using Dhee.Runners;
using Dhee.Schema;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Dhee.BuiltIn.Llm;

/// <summary>
/// <c>llm.generate</c>: renders a bundle prompt template with the node's inputs, asks an LLM through
/// <see cref="IChatClient"/>, and writes Markdown or schema-validated JSON. Bad answers are sent back with the complaints
/// for a corrected answer, up to <c>maxRetries</c> times.
/// </summary>
internal sealed class LlmGenerateRunner : IRunner
{
    /// <summary>The tool id.</summary>
    public const string Tool = "llm.generate";

    private const int DefaultMaxRetries = 2;

    private readonly LlmGenerateOptions _options;
    private readonly ConcurrentDictionary<string, bool> _jsonSchemaUnsupported = new(StringComparer.Ordinal);
    private readonly Lazy<IChatClient?> _environmentClient;

    /// <summary>Initializes a new instance of the <see cref="LlmGenerateRunner"/> class.</summary>
    /// <param name="options">Routing, prices and retries; null for the defaults.</param>
    public LlmGenerateRunner(LlmGenerateOptions? options = null)
    {
        _options = options ?? new LlmGenerateOptions();
        _environmentClient = new Lazy<IChatClient?>(() => OpenAICompatibleChatClientOptions.FromEnvironment() is { } env ? new OpenAICompatibleChatClient(env) : null);
    }

    /// <summary>Gets the runner's registration record.</summary>
    public static RunnerManifest Manifest { get; } = BuiltInManifests.Create(
        Tool,
        "LLM generate",
        "Templated LLM call producing Markdown or schema-validated JSON.",
        new RunnerPermissions
        {
            Environment = [OpenAICompatibleChatClientOptions.EndpointVariable, OpenAICompatibleChatClientOptions.ModelVariable, OpenAICompatibleChatClientOptions.ApiKeyVariableVariable],
        });

    /// <inheritdoc/>
    public RunnerDescription Describe() => new()
    {
        Id = Tool,
        DisplayName = "LLM generate",
        Description = "Renders 'promptTemplate' ({{ name }} variables from inputs and item_id) and asks an LLM; writes Markdown, or JSON validated against 'outputSchema' and an optional host validator, re-asking with the complaints up to 'maxRetries' times.",
        Capabilities = ["text-generation", "structured-output"],
        InputModalities = [Modality.Text],
        OutputModalities = [Modality.Text],
        CostHint = CostHint.PaidApi,
        ConfigSchema = new JsonObject
        {
            ["type"] = "object",
            ["additionalProperties"] = false,
            ["required"] = new JsonArray("promptTemplate"),
            ["properties"] = new JsonObject
            {
                ["promptTemplate"] = Prop("string", "Bundle-relative path of the prompt template. {{ name }} inserts the input from node/bundle input 'name' (non-strings as JSON), {{ item_id }} the collection item id and {{ item }} its JSON; <<<DHEE_CACHE_BREAKPOINT>>> splits a shared system prefix from the per-item part."),
                ["outputFormat"] = Enum("markdown or json.", "markdown", "json"),
                ["outputSchema"] = Prop("string", "Bundle-relative path of a JSON Schema the JSON output must satisfy (outputFormat json)."),
                ["model"] = Prop("string", "The model id; wins over purpose and tier."),
                ["purpose"] = Prop("string", "A purpose the host maps to a model (LlmGenerateOptions.PurposeModels); wins over tier."),
                ["tier"] = Enum("A size class the host maps to a model (LlmGenerateOptions.TierModels).", "heavy", "medium", "light"),
                ["temperature"] = new JsonObject { ["type"] = "number", ["minimum"] = 0, ["maximum"] = 2, ["description"] = "Sampling temperature." },
                ["maxTokens"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["description"] = "Upper bound on answer tokens." },
                ["maxRetries"] = new JsonObject { ["type"] = "integer", ["minimum"] = 0, ["maximum"] = 10, ["default"] = DefaultMaxRetries, ["description"] = "Corrective re-asks after an unusable answer (total attempts = maxRetries + 1)." },
                ["forceRerun"] = new JsonObject { ["type"] = "boolean", ["default"] = false, ["description"] = "Ask again even when a cached or existing output is available." },
                ["structuredMode"] = Enum("How JSON output is requested: json_object (any JSON), json_schema (the provider enforces outputSchema), auto (json_schema, falling back to json_object when the provider rejects it).", "json_object", "json_schema", "auto"),
                ["structuredStrict"] = new JsonObject { ["type"] = "boolean", ["default"] = false, ["description"] = "Ask for strict json_schema enforcement." },
                ["validateWith"] = Prop("string", "Name of a host-registered ILlmOutputValidator that checks the answer after the schema."),
            },
        },
    };

    /// <inheritdoc/>
    public async ValueTask<RunnerResult> RunAsync(RunnerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var config = context.Config;
        var node = $"node '{context.Node.Id}'{(context.ItemId is null ? string.Empty : $" item '{context.ItemId}'")} ({Tool})";
        var templatePath = ConfigReader.GetString(config, "promptTemplate");
        if (templatePath is null)
        {
            return RunnerResult.Failure($"{node}: config 'promptTemplate' is required; set it to a bundle-relative prompt file such as prompts/plan.md");
        }

        var outputFormat = ConfigReader.GetEnum(config, "outputFormat", "markdown", "json") ?? "markdown";
        var schemaPath = ConfigReader.GetString(config, "outputSchema");
        var structuredMode = ConfigReader.GetEnum(config, "structuredMode", "json_object", "json_schema", "auto") ?? "json_object";
        var strict = ConfigReader.GetBool(config, "structuredStrict") ?? false;
        var maxRetries = ConfigReader.GetInt(config, "maxRetries") ?? DefaultMaxRetries;
        var forceRerun = ConfigReader.GetBool(config, "forceRerun") ?? false;
        var temperature = ConfigReader.GetDouble(config, "temperature");
        var maxTokens = ConfigReader.GetInt(config, "maxTokens");
        var validatorName = ConfigReader.GetString(config, "validateWith");
        var (model, routedBy) = RouteModel(config);

        if (schemaPath is not null && outputFormat != "json")
        {
            return RunnerResult.Failure($"{node}: 'outputSchema' needs outputFormat 'json'; set outputFormat to json or remove outputSchema");
        }

        // Everything that can be checked without the LLM is checked first: template, variables, schema, validator, client.
        if (!context.TryResolveBundlePath(templatePath, out var templateFile, out var pathError))
        {
            return RunnerResult.Failure($"{node}: promptTemplate: {pathError}");
        }

        if (!File.Exists(templateFile))
        {
            return RunnerResult.Failure($"{node}: prompt template '{templatePath}' does not exist in the bundle ({templateFile})");
        }

        var template = await File.ReadAllTextAsync(templateFile, context.CancellationToken).ConfigureAwait(false);
        var variables = PromptTemplate.Variables(context);
        var rendered = PromptTemplate.Render(template, variables, out var missing);
        if (missing.Count > 0)
        {
            var available = variables.Count == 0 ? "none" : string.Join(", ", variables.Keys.Order(StringComparer.Ordinal));
            return RunnerResult.Failure(
                $"{node}: prompt template '{templatePath}' uses {string.Join(", ", missing.Select(m => "{{ " + m + " }}"))} but the node has no such input; "
                + $"available variables: {available}. Add the upstream node as an input or fix the template.");
        }

        JsonObject? schema = null;
        string? schemaFile = null;
        if (schemaPath is not null)
        {
            var (loaded, file, schemaError) = await LoadSchemaAsync(context, schemaPath).ConfigureAwait(false);
            if (schemaError is not null)
            {
                return RunnerResult.Failure($"{node}: {schemaError}");
            }

            (schema, schemaFile) = (loaded, file);
        }

        ILlmOutputValidator? validator = null;
        if (validatorName is not null)
        {
            var registered = (context.Services.GetService(typeof(IEnumerable<ILlmOutputValidator>)) as IEnumerable<ILlmOutputValidator> ?? []).ToList();
            validator = registered.FirstOrDefault(v => v.Name == validatorName);
            if (validator is null)
            {
                var names = registered.Count == 0 ? "none" : string.Join(", ", registered.Select(v => v.Name));
                return RunnerResult.Failure($"{node}: validateWith '{validatorName}' is not registered (registered validators: {names}); register an ILlmOutputValidator named '{validatorName}' in the host's services");
            }
        }

        var client = context.Services.GetService(typeof(IChatClient)) as IChatClient ?? _options.FallbackChatClient ?? _environmentClient.Value;
        if (client is null)
        {
            return RunnerResult.Failure(
                $"{node}: no LLM is configured. Register an IChatClient in the host's services, or set {OpenAICompatibleChatClientOptions.EndpointVariable} "
                + $"(for example https://api.openai.com/v1, https://openrouter.ai/api/v1, http://localhost:1234/v1) and {OpenAICompatibleChatClientOptions.ModelVariable}, "
                + $"with the API key in OPENAI_API_KEY or the variable named by {OpenAICompatibleChatClientOptions.ApiKeyVariableVariable}");
        }

        var files = new Dictionary<string, string>(StringComparer.Ordinal) { ["promptTemplate"] = templateFile };
        if (schemaFile is not null)
        {
            files["outputSchema"] = schemaFile;
        }

        var key = new InputsHashKey
        {
            Tool = Tool,
            ToolVersion = Manifest.Version,
            Inputs = new JsonObject { ["renderedPrompt"] = rendered },
            Config = new JsonObject
            {
                ["model"] = model,
                ["purpose"] = ConfigReader.GetString(config, "purpose"),
                ["tier"] = ConfigReader.GetString(config, "tier"),
                ["temperature"] = temperature,
                ["maxTokens"] = maxTokens,
                ["outputFormat"] = outputFormat,
                ["structuredMode"] = structuredMode,
                ["structuredStrict"] = strict,
                ["validateWith"] = validatorName,
            },
            Files = files,
        };

        var request = new GenerationRequest(context, node, client, rendered, outputFormat, schema, schemaPath, structuredMode, strict, maxRetries, temperature, maxTokens, model, routedBy, validator);
        return await CachedFileOutput.RunAsync(context, key, forceRerun, (temp, metadata, _) => GenerateAsync(request, temp, metadata)).ConfigureAwait(false);
    }

    private async ValueTask<RunnerError?> GenerateAsync(GenerationRequest request, string tempPath, JsonObject metadata)
    {
        var context = request.Context;
        var cancellationToken = context.CancellationToken;
        var (system, user) = PromptTemplate.Split(request.Rendered);
        var messages = new List<ChatMessage>();
        if (system is not null)
        {
            messages.Add(new ChatMessage(ChatRole.System, system));
        }

        messages.Add(new ChatMessage(ChatRole.User, user));

        var usage = new UsageDetails();
        decimal cost = 0;
        var costKnown = true;
        var complaintsByAttempt = new List<string>();
        string? modelUsed = null;
        var attempts = request.MaxRetries + 1;
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            context.ReportProgress((attempt - 1) / (double)attempts, $"asking the LLM (attempt {attempt} of {attempts})");
            var (response, callError) = await CallAsync(request, messages, metadata).ConfigureAwait(false);
            if (response is null)
            {
                return callError;
            }

            modelUsed = response.ModelId ?? request.Model ?? modelUsed;
            if (response.Usage is not null)
            {
                usage.Add(response.Usage);
            }

            if (AttemptCost(response, modelUsed) is { } attemptCost)
            {
                cost += attemptCost;
            }
            else
            {
                costKnown = false;
            }

            var answer = response.Text ?? string.Empty;
            var (output, text, complaints) = await CheckAsync(request, answer).ConfigureAwait(false);
            if (complaints.Count == 0)
            {
                var content = output is not null ? output.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n" : text;
                await File.WriteAllTextAsync(tempPath, content, new UTF8Encoding(false), cancellationToken).ConfigureAwait(false);
                metadata["model"] = modelUsed;
                metadata["routedBy"] = request.RoutedBy;
                metadata["attempts"] = attempt;
                metadata["usage"] = new JsonObject
                {
                    ["inputTokens"] = usage.InputTokenCount ?? 0,
                    ["outputTokens"] = usage.OutputTokenCount ?? 0,
                    ["totalTokens"] = usage.TotalTokenCount ?? ((usage.InputTokenCount ?? 0) + (usage.OutputTokenCount ?? 0)),
                    ["cachedInputTokens"] = usage.CachedInputTokenCount ?? 0,
                };
                if (costKnown)
                {
                    metadata[RunnerMetadataKeys.CostUsd] = cost;
                }

                context.ReportProgress(1, "answer accepted");
                return null;
            }

            complaintsByAttempt.Add($"attempt {attempt}: {string.Join("; ", complaints)}");
            context.Logger.LogInformation("{Node}: answer {Attempt} of {Attempts} rejected: {Complaints}", request.NodeLabel, attempt, attempts, string.Join("; ", complaints));
            messages.Add(new ChatMessage(ChatRole.Assistant, answer));
            messages.Add(new ChatMessage(ChatRole.User, CorrectiveMessage(request, complaints)));
        }

        return new RunnerError(
            $"{request.NodeLabel}: the LLM gave no usable answer in {attempts} attempt(s):{Environment.NewLine}  - "
            + string.Join(Environment.NewLine + "  - ", complaintsByAttempt)
            + $"{Environment.NewLine}Raise maxRetries, use a stronger model, or make the prompt or schema clearer.",
            Code: "llm.invalid_output");
    }

    private async Task<(ChatResponse? Response, RunnerError? Error)> CallAsync(GenerationRequest request, List<ChatMessage> messages, JsonObject metadata)
    {
        var context = request.Context;
        var cancellationToken = context.CancellationToken;
        var supportKey = SupportKey(request.Client, request.Model);
        var useSchema = request.Schema is not null
            && (request.StructuredMode == "json_schema" || (request.StructuredMode == "auto" && !_jsonSchemaUnsupported.ContainsKey(supportKey)));
        for (var transient = 0; ; transient++)
        {
            var options = BuildOptions(request, useSchema);
            metadata["structuredMode"] = request.OutputFormat != "json" ? null : useSchema ? "json_schema" : "json_object";
            try
            {
                var response = await request.Client.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
                return (response, null);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (IsStructuredOutputRejection(ex) && useSchema)
            {
                if (request.StructuredMode != "auto")
                {
                    return (null, new RunnerError($"{request.NodeLabel}: the provider rejected structuredMode json_schema: {ex.Message}. Set structuredMode to 'auto' (falls back to json_object) or 'json_object'.", Code: "llm.json_schema_unsupported"));
                }

                _jsonSchemaUnsupported[supportKey] = true;
                context.Logger.LogInformation("{Node}: provider rejected json_schema output; falling back to json_object for {Model}", request.NodeLabel, request.Model ?? "the default model");
                metadata["structuredFallback"] = true;
                useSchema = false;
                transient--;
            }
            catch (Exception ex) when (IsTransient(ex, cancellationToken))
            {
                if (transient >= _options.TransientRetries)
                {
                    return (null, new RunnerError($"{request.NodeLabel}: the LLM call failed {transient + 1} times with transient errors; last: {ex.Message}. Try again later.", IsTransient: true, Code: "llm.transient"));
                }

                var delay = _options.TransientBaseDelay * Math.Pow(2, transient);
                context.Logger.LogWarning("{Node}: transient LLM error ({Error}); retrying in {Delay}", request.NodeLabel, ex.Message, delay);
                context.ReportProgress(null, $"LLM busy, retrying in {delay.TotalSeconds:0.#}s");
                await Task.Delay(delay, context.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                return (null, new RunnerError($"{request.NodeLabel}: the LLM call failed: {ex.Message}", Code: "llm.request_failed"));
            }
        }
    }

    private static ChatOptions BuildOptions(GenerationRequest request, bool useSchema)
    {
        var options = new ChatOptions
        {
            ModelId = request.Model,
            Temperature = request.Temperature is { } t ? (float)t : null,
            MaxOutputTokens = request.MaxTokens,
        };
        if (request.OutputFormat == "json")
        {
            options.ResponseFormat = useSchema
                ? ChatResponseFormat.ForJsonSchema(JsonSerializer.SerializeToElement(request.Schema), SchemaName(request.Context.Node.Id))
                : ChatResponseFormat.Json;
            if (useSchema && request.Strict)
            {
                options.AdditionalProperties = new AdditionalPropertiesDictionary { [OpenAICompatibleChatClient.StrictJsonSchemaProperty] = true };
            }
        }

        return options;
    }

    private async Task<(JsonNode? Output, string Text, List<string> Complaints)> CheckAsync(GenerationRequest request, string answer)
    {
        var complaints = new List<string>();
        if (string.IsNullOrWhiteSpace(answer))
        {
            complaints.Add("the answer was empty");
            return (null, answer, complaints);
        }

        JsonNode? output = null;
        var text = answer;
        if (request.OutputFormat == "json")
        {
            text = LlmAnswer.StripFences(answer);
            if (!LlmAnswer.TryParseJson(text, out output, out var parseError))
            {
                complaints.Add(parseError!);
                return (null, text, complaints);
            }

            if (request.Schema is not null)
            {
                foreach (var problem in JsonSchemaValidator.Validate(output, request.Schema, "$", request.SchemaPath))
                {
                    complaints.Add($"{problem.JsonPath ?? "$"}: {problem.Message}");
                }
            }
        }

        if (complaints.Count == 0 && request.Validator is not null)
        {
            try
            {
                complaints.AddRange(await request.Validator.ValidateAsync(output, text, request.Context, request.Context.CancellationToken).ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                complaints.Add($"validator '{request.Validator.Name}' rejected the answer: {ex.Message}");
            }
        }

        return (output, text, complaints);
    }

    private static string CorrectiveMessage(GenerationRequest request, List<string> complaints)
    {
        var builder = new StringBuilder("Your previous answer could not be used:\n");
        foreach (var complaint in complaints)
        {
            builder.Append("- ").Append(complaint).Append('\n');
        }

        if (request.OutputFormat == "json")
        {
            builder.Append("Reply again with only the corrected JSON document: no prose and no code fences.");
            if (request.Schema is not null)
            {
                builder.Append(" It must satisfy this JSON Schema:\n").Append(request.Schema.ToJsonString());
            }
        }
        else
        {
            builder.Append("Reply again with the corrected answer only.");
        }

        return builder.ToString();
    }

    private decimal? AttemptCost(ChatResponse response, string? model)
    {
        if (response.AdditionalProperties?.TryGetValue(OpenAICompatibleChatClient.CostUsdProperty, out var reported) == true)
        {
            switch (reported)
            {
                case decimal d:
                    return d;
                case double dbl:
                    return (decimal)dbl;
            }
        }

        if (model is not null && _options.Prices.TryGetValue(model, out var price) && response.Usage is { } usage)
        {
            return (((usage.InputTokenCount ?? 0) * price.InputPerMillionTokens) + ((usage.OutputTokenCount ?? 0) * price.OutputPerMillionTokens)) / 1_000_000m;
        }

        return null;
    }

    private (string? Model, string RoutedBy) RouteModel(JsonObject config)
    {
        if (ConfigReader.GetString(config, "model") is { } model)
        {
            return (model, "model");
        }

        if (ConfigReader.GetString(config, "purpose") is { } purpose && _options.PurposeModels.TryGetValue(purpose, out var byPurpose))
        {
            return (byPurpose, "purpose:" + purpose);
        }

        if (ConfigReader.GetEnum(config, "tier", "heavy", "medium", "light") is { } tier && _options.TierModels.TryGetValue(tier, out var byTier))
        {
            return (byTier, "tier:" + tier);
        }

        return (_options.DefaultModel, _options.DefaultModel is null ? "client-default" : "default");
    }

    private static async Task<(JsonObject? Schema, string? File, string? Error)> LoadSchemaAsync(RunnerContext context, string schemaPath)
    {
        if (!context.TryResolveBundlePath(schemaPath, out var file, out var pathError))
        {
            return (null, null, $"outputSchema: {pathError}");
        }

        if (!File.Exists(file))
        {
            return (null, null, $"output schema '{schemaPath}' does not exist in the bundle ({file})");
        }

        try
        {
            var text = await File.ReadAllTextAsync(file, context.CancellationToken).ConfigureAwait(false);
            return JsonNode.Parse(text) is JsonObject schema
                ? (schema, file, null)
                : (null, null, $"output schema '{schemaPath}' is not a JSON object; a JSON Schema starts with {{");
        }
        catch (JsonException ex)
        {
            return (null, null, $"output schema '{schemaPath}' is not valid JSON: {ex.Message}");
        }
    }

    private static bool IsStructuredOutputRejection(Exception ex)
    {
        if (ex is not HttpRequestException { StatusCode: { } status } || (int)status < 400 || (int)status >= 500 || status == HttpStatusCode.TooManyRequests)
        {
            return false;
        }

        var message = ex.Message;
        return message.Contains("response_format", StringComparison.OrdinalIgnoreCase)
            || message.Contains("json_schema", StringComparison.OrdinalIgnoreCase)
            || message.Contains("structured output", StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsTransient(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        HttpRequestException { StatusCode: null } => true,
        HttpRequestException { StatusCode: { } status } => status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || (int)status >= 500,
        TaskCanceledException or TimeoutException => !cancellationToken.IsCancellationRequested,
        IOException => true,
        _ => false,
    };

    private static string SupportKey(IChatClient client, string? model)
    {
        var metadata = client.GetService(typeof(ChatClientMetadata)) as ChatClientMetadata;
        return $"{metadata?.ProviderUri}|{model ?? metadata?.DefaultModelId}";
    }

    private static string SchemaName(string nodeId)
    {
        var name = new string([.. nodeId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_')]);
        return name.Length > 64 ? name[..64] : name.Length == 0 ? "output" : name;
    }

    private static JsonObject Prop(string type, string description) => new() { ["type"] = type, ["description"] = description };

    private static JsonObject Enum(string description, params string[] values) => new()
    {
        ["type"] = "string",
        ["enum"] = new JsonArray([.. values.Select(v => (JsonNode)v)]),
        ["description"] = description,
    };

    private sealed record GenerationRequest(
        RunnerContext Context,
        string NodeLabel,
        IChatClient Client,
        string Rendered,
        string OutputFormat,
        JsonObject? Schema,
        string? SchemaPath,
        string StructuredMode,
        bool Strict,
        int MaxRetries,
        double? Temperature,
        int? MaxTokens,
        string? Model,
        string RoutedBy,
        ILlmOutputValidator? Validator);
}
