using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Dhee.Tests.Support;

namespace Dhee.Tests.Http;

public sealed class EventSocketTests
{
    [Fact]
    public async Task SubscribeSocket_BeforeStart_ReceivesEveryEventInOrderThenEndAndClose()
    {
        await using var server = await DheeTestServer.StartAsync(new ScriptedRunExecutor { WaitAtGate = false });
        using var client = server.Client();
        var preparationId = await RunApi.CreateAsync(client);
        using var socket = await ConnectAsync(server, $"runs/{preparationId}/events/socket", DheeTestServer.AliceKey);

        await RunApi.StartAsync(client, preparationId);
        var (events, end) = await ReadToEndAsync(socket);

        // run.started + 5 + 3 progress + node.completed + run.finished = 11 events, numbered 1..11.
        Assert.Equal(Enumerable.Range(1, 11).Select(i => (long)i), events.Select(e => (long)e["seq"]!));
        Assert.Equal("run.started", (string)events[0]["kind"]!);
        Assert.Equal("success", (string)end["status"]!);
        Assert.Equal(11, (long)end["lastSequence"]!);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }

    [Fact]
    public async Task SubscribeSocket_AfterSequenceOnFinishedRun_ReplaysOnlyTheTail()
    {
        await using var server = await DheeTestServer.StartAsync(new ScriptedRunExecutor { WaitAtGate = false });
        using var client = server.Client();
        var preparationId = await RunApi.CreateAsync(client);
        await RunApi.StartAsync(client, preparationId);
        await RunApi.WaitForStatusAsync(client, preparationId, "success");

        using var socket = await ConnectAsync(server, $"runs/{preparationId}/events/socket?afterSequence=7", DheeTestServer.AliceKey);
        var (events, _) = await ReadToEndAsync(socket);

        Assert.Equal([8L, 9L, 10L, 11L], events.Select(e => (long)e["seq"]!));
    }

    [Fact]
    public async Task SubscribeSocket_AnotherUsersRun_HandshakeRefused()
    {
        await using var server = await DheeTestServer.StartAsync(new ScriptedRunExecutor());
        using var client = server.Client();
        var preparationId = await RunApi.CreateAsync(client);

        await Assert.ThrowsAsync<WebSocketException>(() => ConnectAsync(server, $"runs/{preparationId}/events/socket", DheeTestServer.BobKey));
    }

    private static async Task<ClientWebSocket> ConnectAsync(DheeTestServer server, string path, string key)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("X-Api-Key", key);
        var uri = new UriBuilder(new Uri(server.BaseAddress, path)) { Scheme = "ws" }.Uri;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await socket.ConnectAsync(uri, timeout.Token);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task<(List<JsonObject> Events, JsonObject End)> ReadToEndAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var events = new List<JsonObject>();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var message = new MemoryStream();
            WebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer, timeout.Token);
                message.Write(buffer, 0, result.Count);
            }
            while (!result.EndOfMessage);

            Assert.Equal(WebSocketMessageType.Text, result.MessageType);
            var json = JsonNode.Parse(Encoding.UTF8.GetString(message.ToArray()))!.AsObject();
            if ((string?)json["kind"] == "stream.end")
            {
                var close = await socket.ReceiveAsync(buffer, timeout.Token);
                Assert.Equal(WebSocketMessageType.Close, close.MessageType);
                return (events, json);
            }

            events.Add(json);
        }
    }
}
