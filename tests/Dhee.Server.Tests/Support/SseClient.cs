using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Dhee.Tests.Support;

/// <summary>One Server-Sent Event as received.</summary>
internal sealed record SseMessage(string? Id, string Event, string Data)
{
    public JsonNode? Json => JsonNode.Parse(Data);
}

/// <summary>A minimal Server-Sent Events reader over a real HTTP response.</summary>
internal sealed class SseClient : IAsyncDisposable
{
    private readonly HttpResponseMessage response;
    private readonly StreamReader reader;

    private SseClient(HttpResponseMessage response, StreamReader reader)
    {
        this.response = response;
        this.reader = reader;
    }

    public int Heartbeats { get; private set; }

    public static async Task<SseClient> ConnectAsync(HttpClient client, string path, string? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var stream = await response.Content.ReadAsStreamAsync();
        return new SseClient(response, new StreamReader(stream, Encoding.UTF8));
    }

    /// <summary>Reads the next event (skipping comments); null when the stream ends.</summary>
    public async Task<SseMessage?> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        string? id = null;
        var type = "message";
        var data = new StringBuilder();
        while (true)
        {
            var line = await reader.ReadLineAsync(cts.Token);
            if (line is null)
            {
                return null;
            }

            if (line.Length == 0)
            {
                if (data.Length > 0)
                {
                    return new SseMessage(id, type, data.ToString());
                }

                continue;
            }

            if (line.StartsWith(':'))
            {
                if (line.Contains("heartbeat", StringComparison.Ordinal))
                {
                    Heartbeats++;
                }

                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? string.Empty : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id":
                    id = value;
                    break;
                case "event":
                    type = value;
                    break;
                case "data":
                    data.Append(data.Length > 0 ? "\n" : string.Empty).Append(value);
                    break;
            }
        }
    }

    /// <summary>Reads events until the <c>end</c> event, returning the run events and the end event.</summary>
    public async Task<(List<SseMessage> Events, SseMessage End)> ReadToEndAsync()
    {
        var events = new List<SseMessage>();
        while (await NextAsync() is { } message)
        {
            if (message.Event == "end")
            {
                return (events, message);
            }

            events.Add(message);
        }

        throw new InvalidOperationException("The stream closed without an end event.");
    }

    public async ValueTask DisposeAsync()
    {
        reader.Dispose();
        response.Dispose();
        await Task.CompletedTask;
    }
}
