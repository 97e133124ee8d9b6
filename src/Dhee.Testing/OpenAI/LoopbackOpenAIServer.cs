using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dhee.Testing.OpenAI;

/// <summary>
/// An OpenAI-compatible <c>/v1/chat/completions</c> server on 127.0.0.1 (a free port) that answers with scripted replies,
/// in order, and records every request, for testing LLM runners over real HTTP.
/// </summary>
/// <remarks>When the script is exhausted the server answers 500 with "no scripted reply left", so a test notices extra calls.</remarks>
public sealed class LoopbackOpenAIServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ScriptedChatReply> _script = new();
    private readonly ConcurrentQueue<RecordedChatRequest> _requests = new();

    private LoopbackOpenAIServer(WebApplication app)
    {
        _app = app;
    }

    /// <summary>Gets the API base URL, ending in <c>/v1</c>.</summary>
    public Uri BaseUri { get; private set; } = new("http://127.0.0.1/v1");

    /// <summary>Gets every request received, in order.</summary>
    public IReadOnlyList<RecordedChatRequest> Requests => [.. _requests];

    /// <summary>Starts a server.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server.</returns>
    public static async Task<LoopbackOpenAIServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(System.Net.IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new LoopbackOpenAIServer(app);
        app.MapPost("/v1/chat/completions", server.HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUri = new Uri(address.TrimEnd('/') + "/v1");
        return server;
    }

    /// <summary>Appends replies to the script.</summary>
    /// <param name="replies">The replies, answered in order.</param>
    public void Enqueue(params ScriptedChatReply[] replies)
    {
        ArgumentNullException.ThrowIfNull(replies);
        foreach (var reply in replies)
        {
            _script.Enqueue(reply);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private async Task HandleAsync(HttpContext http)
    {
        JsonObject body;
        try
        {
            body = await JsonNode.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted).ConfigureAwait(false) as JsonObject ?? [];
        }
        catch (JsonException)
        {
            await WriteErrorAsync(http, 400, "the request body is not JSON").ConfigureAwait(false);
            return;
        }

        _requests.Enqueue(new RecordedChatRequest(body, http.Request.Headers.Authorization.ToString()));
        if (!_script.TryDequeue(out var reply))
        {
            await WriteErrorAsync(http, 500, "no scripted reply left").ConfigureAwait(false);
            return;
        }

        if (reply.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(reply.Delay, http.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        if (reply.RejectJsonSchema && body["response_format"]?["type"]?.GetValue<string>() == "json_schema")
        {
            await WriteErrorAsync(http, 400, "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.").ConfigureAwait(false);
            return;
        }

        if (reply.StatusCode != 200)
        {
            await WriteErrorAsync(http, reply.StatusCode, reply.ErrorMessage).ConfigureAwait(false);
            return;
        }

        var usage = new JsonObject
        {
            ["prompt_tokens"] = reply.PromptTokens,
            ["completion_tokens"] = reply.CompletionTokens,
            ["total_tokens"] = reply.PromptTokens + reply.CompletionTokens,
        };
        if (reply.CostUsd is { } cost)
        {
            usage["cost"] = cost;
        }

        var response = new JsonObject
        {
            ["id"] = "chatcmpl-" + _requests.Count.ToString(CultureInfo.InvariantCulture),
            ["object"] = "chat.completion",
            ["created"] = 1_700_000_000,
            ["model"] = body["model"]?.DeepClone() ?? "loopback-model",
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = reply.Content },
                ["finish_reason"] = "stop",
            }),
            ["usage"] = usage,
        };
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(response.ToJsonString(), http.RequestAborted).ConfigureAwait(false);
    }

    private static async Task WriteErrorAsync(HttpContext http, int status, string message)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        var error = new JsonObject { ["error"] = new JsonObject { ["message"] = message, ["type"] = "invalid_request_error", ["code"] = status } };
        await http.Response.WriteAsync(error.ToJsonString(), http.RequestAborted).ConfigureAwait(false);
    }
}
