using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Dhee.Testing.OpenAI;

namespace Dhee.Tests.OpenAI;

public sealed class LoopbackOpenAIServerTests : IAsyncLifetime
{
    private readonly HttpClient _http = new();
    private LoopbackOpenAIServer _server = null!;

    public async Task InitializeAsync() => _server = await LoopbackOpenAIServer.StartAsync();

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task PostCompletions_ScriptedText_AnswersInOpenAIShapeAndRecords()
    {
        _server.Enqueue(new ScriptedChatReply { Content = "hello", PromptTokens = 3, CompletionTokens = 2, CostUsd = 0.01m });

        var (status, body) = await PostAsync("""{"model":"m","messages":[{"role":"user","content":"hi"}]}""", "Bearer k");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("hello", body["choices"]![0]!["message"]!["content"]!.GetValue<string>());
        Assert.Equal(5, body["usage"]!["total_tokens"]!.GetValue<int>());
        Assert.Equal(0.01m, body["usage"]!["cost"]!.GetValue<decimal>());
        var request = Assert.Single(_server.Requests);
        Assert.Equal("Bearer k", request.Authorization);
        Assert.Equal(("user", "hi"), Assert.Single(request.Messages));
        Assert.StartsWith("http://127.0.0.1:", _server.BaseUri.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostCompletions_RejectJsonSchema_Only400sJsonSchemaRequests()
    {
        _server.Enqueue(new ScriptedChatReply { RejectJsonSchema = true, Content = "{}" }, new ScriptedChatReply { RejectJsonSchema = true, Content = "{}" });

        var (rejected, error) = await PostAsync("""{"messages":[],"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{}}}}""");
        var (accepted, _) = await PostAsync("""{"messages":[],"response_format":{"type":"json_object"}}""");

        Assert.Equal(HttpStatusCode.BadRequest, rejected);
        Assert.Contains("json_schema", error["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, accepted);
    }

    [Fact]
    public async Task PostCompletions_ScriptExhausted_Answers500()
    {
        var (status, body) = await PostAsync("""{"messages":[]}""");

        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Equal("no scripted reply left", body["error"]!["message"]!.GetValue<string>());
    }

    private async Task<(HttpStatusCode Status, JsonObject Body)> PostAsync(string json, string? authorization = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_server.BaseUri + "/chat/completions"))
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        if (authorization is not null)
        {
            request.Headers.Authorization = AuthenticationHeaderValue.Parse(authorization);
        }

        using var response = await _http.SendAsync(request);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }
}
