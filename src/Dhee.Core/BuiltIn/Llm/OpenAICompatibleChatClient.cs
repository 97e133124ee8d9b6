using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace Dhee.BuiltIn.Llm;

/// <summary>
/// An <see cref="IChatClient"/> over plain <see cref="HttpClient"/> for servers speaking OpenAI's
/// <c>/chat/completions</c>: OpenAI, OpenRouter, LM Studio, Ollama and others.
/// </summary>
/// <remarks>
/// <para>Structured output: <see cref="ChatResponseFormat.Json"/> becomes <c>response_format: json_object</c>; a JSON format
/// with a schema becomes <c>json_schema</c> (strict when <see cref="ChatOptions.AdditionalProperties"/> has
/// <c>strictJsonSchema: true</c>).</para>
/// <para>Errors: a non-success status throws <see cref="HttpRequestException"/> carrying the status code and the server's
/// error message (never the API key). Usage is mapped to <see cref="UsageDetails"/>; a provider-reported cost
/// (OpenRouter's <c>usage.cost</c>) is returned in <see cref="ChatResponse.AdditionalProperties"/> under <c>costUsd</c>.</para>
/// </remarks>
public sealed class OpenAICompatibleChatClient : IChatClient
{
    /// <summary>The <see cref="ChatResponse.AdditionalProperties"/> key of the provider-reported cost in US dollars.</summary>
    public const string CostUsdProperty = "costUsd";

    /// <summary>The <see cref="ChatOptions.AdditionalProperties"/> key that makes a JSON-schema response format strict.</summary>
    public const string StrictJsonSchemaProperty = "strictJsonSchema";

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly OpenAICompatibleChatClientOptions _options;
    private readonly ChatClientMetadata _metadata;

    /// <summary>Initializes a new instance of the <see cref="OpenAICompatibleChatClient"/> class.</summary>
    /// <param name="options">The endpoint, key variable and default model.</param>
    /// <param name="httpClient">The HTTP client to use (for example from <c>IHttpClientFactory</c>), or null to create one.</param>
    public OpenAICompatibleChatClient(OpenAICompatibleChatClientOptions options, HttpClient? httpClient = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _ownsHttp = httpClient is null;
        _http = httpClient ?? new HttpClient { Timeout = options.Timeout };
        _metadata = new ChatClientMetadata("openai-compatible", options.Endpoint, options.Model);
    }

    /// <inheritdoc/>
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var model = options?.ModelId ?? _options.Model;
        var body = BuildRequest(messages, options, model);
        using var request = new HttpRequestMessage(HttpMethod.Post, CompletionsUri())
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        var key = string.IsNullOrWhiteSpace(_options.ApiKeyEnvironmentVariable) ? null : Environment.GetEnvironmentVariable(_options.ApiKeyEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(key))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key.Trim());
        }

        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(
                $"{Utils.UrlRedaction.WithoutSecrets(_options.Endpoint)} answered {(int)response.StatusCode} {response.ReasonPhrase} for model '{model ?? "(server default)"}': {ErrorMessage(text)}",
                null,
                response.StatusCode);
        }

        JsonObject json;
        try
        {
            json = JsonNode.Parse(text) as JsonObject ?? throw new JsonException("the body is not a JSON object");
        }
        catch (JsonException ex)
        {
            throw new HttpRequestException($"{Utils.UrlRedaction.WithoutSecrets(_options.Endpoint)} answered with a body that is not a chat completion: {ex.Message}", ex, HttpStatusCode.BadGateway);
        }

        return ParseResponse(json, model);
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Streaming is not needed by the runners; one whole response is delivered as updates.
        var response = await GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(ChatClientMetadata) ? _metadata
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private Uri CompletionsUri()
    {
        var baseText = _options.Endpoint.ToString();
        return new Uri(baseText.EndsWith('/') ? baseText + "chat/completions" : baseText + "/chat/completions");
    }

    private static JsonObject BuildRequest(IEnumerable<ChatMessage> messages, ChatOptions? options, string? model)
    {
        var list = new JsonArray();
        if (!string.IsNullOrEmpty(options?.Instructions))
        {
            list.Add(new JsonObject { ["role"] = "system", ["content"] = options.Instructions });
        }

        foreach (var message in messages)
        {
            list.Add(new JsonObject { ["role"] = message.Role.Value, ["content"] = message.Text });
        }

        var body = new JsonObject { ["messages"] = list };
        if (model is not null)
        {
            body["model"] = model;
        }

        if (options?.Temperature is { } temperature)
        {
            body["temperature"] = temperature;
        }

        if (options?.MaxOutputTokens is { } maxTokens)
        {
            body["max_tokens"] = maxTokens;
        }

        if (options?.Seed is { } seed)
        {
            body["seed"] = seed;
        }

        if (options?.ResponseFormat is ChatResponseFormatJson json)
        {
            if (json.Schema is { } schema)
            {
                var strict = options.AdditionalProperties?.TryGetValue(StrictJsonSchemaProperty, out var value) == true && value is true;
                body["response_format"] = new JsonObject
                {
                    ["type"] = "json_schema",
                    ["json_schema"] = new JsonObject
                    {
                        ["name"] = json.SchemaName ?? "output",
                        ["strict"] = strict,
                        ["schema"] = JsonNode.Parse(schema.GetRawText()),
                    },
                };
            }
            else
            {
                body["response_format"] = new JsonObject { ["type"] = "json_object" };
            }
        }

        return body;
    }

    private static ChatResponse ParseResponse(JsonObject json, string? model)
    {
        var choice = (json["choices"] as JsonArray)?.FirstOrDefault() as JsonObject;
        var content = choice?["message"]?["content"] is JsonValue c && c.GetValueKind() == JsonValueKind.String ? c.GetValue<string>() : string.Empty;
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, content))
        {
            ModelId = json["model"] is JsonValue m && m.GetValueKind() == JsonValueKind.String ? m.GetValue<string>() : model,
            ResponseId = json["id"] is JsonValue id && id.GetValueKind() == JsonValueKind.String ? id.GetValue<string>() : null,
        };
        if (choice?["finish_reason"] is JsonValue finish && finish.GetValueKind() == JsonValueKind.String)
        {
            response.FinishReason = new ChatFinishReason(finish.GetValue<string>());
        }

        if (json["usage"] is JsonObject usage)
        {
            response.Usage = new UsageDetails
            {
                InputTokenCount = Long(usage["prompt_tokens"]),
                OutputTokenCount = Long(usage["completion_tokens"]),
                TotalTokenCount = Long(usage["total_tokens"]),
                CachedInputTokenCount = Long(usage["prompt_tokens_details"]?["cached_tokens"]),
            };
            if (usage["cost"] is JsonValue cost && cost.GetValueKind() == JsonValueKind.Number)
            {
                response.AdditionalProperties = new AdditionalPropertiesDictionary
                {
                    [CostUsdProperty] = decimal.Parse(cost.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture),
                };
            }
        }

        return response;
    }

    private static long? Long(JsonNode? node)
        => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && long.TryParse(v.ToJsonString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;

    private static string ErrorMessage(string body)
    {
        try
        {
            if (JsonNode.Parse(body) is JsonObject obj)
            {
                var error = obj["error"];
                var message = error is JsonObject e ? e["message"]?.ToString() : error?.ToString();
                if (!string.IsNullOrWhiteSpace(message))
                {
                    return message;
                }
            }
        }
        catch (JsonException)
        {
        }

        var trimmed = body.Trim();
        return trimmed.Length == 0 ? "(empty body)" : trimmed.Length > 500 ? trimmed[..500] + "…" : trimmed;
    }
}
