using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Dhee.Tests.Support;

/// <summary>Calls of the run contract over HTTP, asserting success.</summary>
internal static class RunApi
{
    public static async Task<string> CreateAsync(HttpClient client, JsonObject? body = null)
    {
        using var response = await client.PostAsJsonAsync("runs", body ?? SampleBodies.CreateBody());
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var json = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal("preparing", (string?)json!["status"]);
        return (string)json["preparationId"]!;
    }

    public static async Task<string> StartAsync(HttpClient client, string preparationId)
    {
        using var response = await client.PostAsync($"runs/{preparationId}/start", null);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var json = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal("running", (string?)json!["status"]);
        return (string)json["dagRunId"]!;
    }

    public static async Task<JsonObject> ResultAsync(HttpClient client, string id)
    {
        using var response = await client.GetAsync($"runs/{id}/result");
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    public static async Task<JsonObject> WaitForStatusAsync(HttpClient client, string id, string status)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var result = await ResultAsync(client, id);
            if ((string?)result["status"] == status)
            {
                return result;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Run {id} stayed {(string?)result["status"]}, expected {status}.");
            await Task.Delay(50);
        }
    }

    public static async Task<JsonObject> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {expected}, got {response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonNode.Parse(text)!.AsObject();
    }
}
