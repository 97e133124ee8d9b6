using System.Globalization;
using System.Net;
using Dhee.Tests.Support;
using Dhee.Testing;

namespace Dhee.Tests.Http;

public sealed class EventStreamResumeTests : IDisposable
{
    private readonly TestProjectDirectory folder = new("dhee-resume");

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task Subscribe_WithLastEventId_ResumesExactlyAfterIt()
    {
        var executor = new ScriptedRunExecutor { EventsBeforeGate = 10 };
        await using var server = await DheeTestServer.StartAsync(executor);
        using var client = server.Client();
        var preparationId = await RunApi.CreateAsync(client);
        await RunApi.StartAsync(client, preparationId);
        await executor.ReachedGate.Task.WaitAsync(TimeSpan.FromSeconds(30));

        await using (var first = await SseClient.ConnectAsync(client, $"runs/{preparationId}/events"))
        {
            for (var i = 1; i <= 4; i++)
            {
                Assert.Equal(i.ToString(CultureInfo.InvariantCulture), (await first.NextAsync())!.Id);
            }
        }

        await using var resumed = await SseClient.ConnectAsync(client, $"runs/{preparationId}/events", lastEventId: "4");
        executor.Release();
        var (events, end) = await resumed.ReadToEndAsync();

        Assert.Equal("5", events[0].Id);
        Assert.Equal(Enumerable.Range(5, events.Count).Select(i => (long)i), events.Select(e => long.Parse(e.Id!, CultureInfo.InvariantCulture)));
        Assert.Equal("success", (string?)end.Json!["status"]);
    }

    [Fact]
    public async Task Subscribe_LiveReaderFallsBehindDuringBurst_ReceivesEveryEventInOrder()
    {
        // Far more than the response and socket buffers hold: live frames written straight into the idle output must
        // hand over to the connection's own loop when a flush has to wait, without losing or reordering any.
        var executor = new ScriptedRunExecutor { EventsBeforeGate = 1, EventsAfterGate = 60_000 };
        await using var server = await DheeTestServer.StartAsync(executor);
        using var client = server.Client();
        var preparationId = await RunApi.CreateAsync(client);
        await using var stream = await SseClient.ConnectAsync(client, $"runs/{preparationId}/events");
        await RunApi.StartAsync(client, preparationId);
        await executor.ReachedGate.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("1", (await stream.NextAsync())!.Id);

        executor.Release();
        await RunApi.WaitForStatusAsync(client, preparationId, "success");
        var (events, end) = await stream.ReadToEndAsync();

        // run.started, 1 + 60,000 progress, node.completed, run.finished.
        Assert.Equal(Enumerable.Range(2, 60_003).Select(i => (long)i), events.Select(e => long.Parse(e.Id!, CultureInfo.InvariantCulture)));
        Assert.Equal(60_004, (long)end.Json!["lastSequence"]!);
    }

    [Fact]
    public async Task Subscribe_AfterSequenceQuery_OnFinishedRun_ReplaysTailThenEnds()
    {
        var executor = new ScriptedRunExecutor { WaitAtGate = false };
        await using var server = await DheeTestServer.StartAsync(executor);
        using var client = server.Client();
        var preparationId = await RunApi.CreateAsync(client);
        await RunApi.StartAsync(client, preparationId);
        await RunApi.WaitForStatusAsync(client, preparationId, "success");

        await using var stream = await SseClient.ConnectAsync(client, $"runs/{preparationId}/events?afterSequence=7");
        var (events, end) = await stream.ReadToEndAsync();

        // run.started + 5 + 3 progress + node.completed + run.finished = 11 events.
        Assert.Equal(["8", "9", "10", "11"], events.Select(e => e.Id));
        Assert.Equal(11, (long)end.Json!["lastSequence"]!);
    }

    [Fact]
    public async Task Subscribe_BadLastEventId_IsContractViolation()
    {
        await using var server = await DheeTestServer.StartAsync(new ScriptedRunExecutor());
        using var client = server.Client();
        var preparationId = await RunApi.CreateAsync(client);

        using var response = await client.GetAsync($"runs/{preparationId}/events?afterSequence=-3");

        await RunApi.ProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Subscribe_IdleRun_SendsHeartbeats()
    {
        await using var server = await DheeTestServer.StartAsync(new ScriptedRunExecutor());
        using var client = server.Client();
        var preparationId = await RunApi.CreateAsync(client);
        await using var stream = await SseClient.ConnectAsync(client, $"runs/{preparationId}/events");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream.NextAsync(TimeSpan.FromSeconds(5)));

        Assert.True(stream.Heartbeats >= 1);
    }

    [Fact]
    public async Task Subscribe_AcrossServerRestartWithSqlite_ResumesAfterLastEventIdAndRunCanBeResumed()
    {
        var database = Path.Combine(folder.Path, "runs.db");
        var projects = Path.Combine(folder.Path, "projects");
        var executor = new ScriptedRunExecutor { EventsBeforeGate = 6 };
        string preparationId;
        await using (var first = await DheeTestServer.StartAsync(executor, o => { o.DatabasePath = database; o.ProjectsRoot = projects; }))
        {
            using var client = first.Client();
            preparationId = await RunApi.CreateAsync(client);
            await using var stream = await SseClient.ConnectAsync(client, $"runs/{preparationId}/events");
            await RunApi.StartAsync(client, preparationId);
            for (var i = 1; i <= 3; i++)
            {
                Assert.Equal(i.ToString(CultureInfo.InvariantCulture), (await stream.NextAsync())!.Id);
            }

            await executor.ReachedGate.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }

        executor.Rearm();
        await using var second = await DheeTestServer.StartAsync(executor, o => { o.DatabasePath = database; o.ProjectsRoot = projects; });
        using var client2 = second.Client();
        Assert.Equal("interrupted", (string?)(await RunApi.ResultAsync(client2, preparationId))["status"]);

        await using (var replay = await SseClient.ConnectAsync(client2, $"runs/{preparationId}/events", lastEventId: "3"))
        {
            var (events, end) = await replay.ReadToEndAsync();
            Assert.Equal(["4", "5", "6", "7", "8"], events.Select(e => e.Id));
            Assert.Equal("run.finished", (string?)events[^1].Json!["kind"]);
            Assert.Equal("interrupted", (string?)end.Json!["status"]);
        }

        using var resume = await client2.PostAsync($"runs/{preparationId}/resume", null);
        Assert.Equal(HttpStatusCode.Accepted, resume.StatusCode);
        await using var live = await SseClient.ConnectAsync(client2, $"runs/{preparationId}/events", lastEventId: "8");
        executor.Release();
        var (resumedEvents, resumedEnd) = await live.ReadToEndAsync();

        Assert.Equal("9", resumedEvents[0].Id);
        Assert.True((bool)resumedEvents[0].Json!["payload"]!["resumed"]!);
        Assert.Equal("success", (string?)resumedEnd.Json!["status"]);
        Assert.True(executor.Requests[^1].Resume);
        Assert.Equal(executor.Requests[0].ProjectDir, executor.Requests[^1].ProjectDir);
    }
}
