using System.Text.Json.Nodes;
using Dhee.Server.Runs;
using Dhee.Server.Storage;
using Dhee.Testing;
using Microsoft.Data.Sqlite;

namespace Dhee.Tests.Storage;

public sealed class RunStoreTests : IDisposable
{
    private readonly TestProjectDirectory folder = new("dhee-store");

    public static TheoryData<string> Stores => new() { "memory", "sqlite" };

    public void Dispose() => folder.Dispose();

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task FindAsync_ByPreparationIdAndDagRunId_ReturnsTheRun(string kind)
    {
        using var store = Open(kind);
        await store.Store.CreateAsync(Run("p1"));
        await store.Store.UpdateAsync(Run("p1") with { DagRunId = "r1", Status = RunStatus.Running });

        Assert.Equal(RunStatus.Running, (await store.Store.FindAsync("p1"))!.Status);
        Assert.Equal("p1", (await store.Store.FindAsync("r1"))!.PreparationId);
        Assert.Null(await store.Store.FindAsync("nope"));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task ReadEventsAsync_AfterSequence_ReturnsExactlyTheLaterEventsInOrder(string kind)
    {
        using var store = Open(kind);
        await store.Store.CreateAsync(Run("p1"));
        await store.Store.AppendEventsAsync("p1", Events(1, 10));
        await store.Store.AppendEventsAsync("p1", Events(11, 5));

        var after7 = await store.Store.ReadEventsAsync("p1", 7, 100);
        var page = await store.Store.ReadEventsAsync("p1", 0, 4);

        Assert.Equal([8L, 9, 10, 11, 12, 13, 14, 15], after7.Select(e => e.Seq));
        Assert.Equal(7L, (long)after7[0].Payload!["n"]!);
        Assert.Equal("n1", after7[0].NodeId);
        Assert.Equal([1L, 2, 3, 4], page.Select(e => e.Seq));
        Assert.Equal(15, await store.Store.GetLastSequenceAsync("p1"));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task ListAsync_FiltersByOwnerStatusAndTitle_PagesNewestFirst(string kind)
    {
        using var store = Open(kind);
        var t0 = DateTimeOffset.UnixEpoch.AddDays(1);
        for (var i = 0; i < 6; i++)
        {
            await store.Store.CreateAsync(Run($"p{i}") with
            {
                Owner = i % 2 == 0 ? "alice" : "bob",
                CreatedAt = t0.AddMinutes(i),
                Status = i < 2 ? RunStatus.Success : RunStatus.Preparing,
                Title = i == 4 ? "Special Title" : "plain",
            });
        }

        var alice = await store.Store.ListAsync(new RunQuery { Owner = "alice", Limit = 2 });
        var done = await store.Store.ListAsync(new RunQuery { Statuses = [RunStatus.Success] });
        var titled = await store.Store.ListAsync(new RunQuery { TitleContains = "special" });

        Assert.Equal(3, alice.Total);
        Assert.Equal(["p4", "p2"], alice.Items.Select(r => r.PreparationId));
        Assert.Equal(["p1", "p0"], done.Items.Select(r => r.PreparationId));
        Assert.Equal("p4", titled.Items.Single().PreparationId);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task DeleteAsync_RemovesRunAndEvents(string kind)
    {
        using var store = Open(kind);
        await store.Store.CreateAsync(Run("p1") with { DagRunId = "r1" });
        await store.Store.AppendEventsAsync("p1", Events(1, 3));

        Assert.True(await store.Store.DeleteAsync("p1"));
        Assert.False(await store.Store.DeleteAsync("p1"));
        Assert.Null(await store.Store.FindAsync("r1"));
        Assert.Empty(await store.Store.ReadEventsAsync("p1", 0, 10));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task ListRunningAndFinishedBefore_SelectByStatusAndTime(string kind)
    {
        using var store = Open(kind);
        var now = DateTimeOffset.UnixEpoch.AddDays(10);
        await store.Store.CreateAsync(Run("running") with { Status = RunStatus.Running });
        await store.Store.CreateAsync(Run("old") with { Status = RunStatus.Success, FinishedAt = now.AddHours(-2) });
        await store.Store.CreateAsync(Run("new") with { Status = RunStatus.Failed, FinishedAt = now });

        Assert.Equal("running", (await store.Store.ListRunningAsync()).Single().PreparationId);
        Assert.Equal("old", (await store.Store.ListFinishedBeforeAsync(now.AddHours(-1), 10)).Single().PreparationId);
    }

    [Fact]
    public async Task SqliteRunStore_Reopened_KeepsRunsEventsAndResults()
    {
        var path = Path.Combine(folder.Path, "runs.db");
        using (var first = new SqliteRunStore(path))
        {
            await first.CreateAsync(Run("p1"));
            await first.AppendEventsAsync("p1", Events(1, 3));
            await first.UpdateAsync(Run("p1") with
            {
                DagRunId = "r1",
                Status = RunStatus.Success,
                Result = new RunResult { DagRunId = "r1", Status = RunStatus.Success, TotalCredits = 1.5m, NodeErrors = [new RunNodeError("n", "i", "t", "m")] },
            });
        }

        using var second = new SqliteRunStore(path);
        var run = await second.FindAsync("r1");

        Assert.Equal(1.5m, run!.Result!.TotalCredits);
        Assert.Equal("m", run.Result.NodeErrors.Single().Message);
        Assert.Equal("cats", (string?)run.Inputs["topic"]);
        Assert.Equal(3, await second.GetLastSequenceAsync("p1"));
    }

    [Fact]
    public void SqliteRunStore_UsesWriteAheadLogging()
    {
        var path = Path.Combine(folder.Path, "wal.db");
        using var store = new SqliteRunStore(path);
        using var connection = new SqliteConnection($"Data Source={path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";

        Assert.Equal("wal", (string?)command.ExecuteScalar());
    }

    private static RunRecord Run(string id) => new()
    {
        PreparationId = id,
        Owner = "alice",
        ProjectDir = "/tmp/" + id,
        Title = "t",
        Inputs = new JsonObject { ["topic"] = "cats" },
        CreatedAt = DateTimeOffset.UnixEpoch,
    };

    private static RunEvent[] Events(long first, int count) =>
        Enumerable.Range(0, count).Select(i => new RunEvent(first + i, "node.progress", "n1", null, new JsonObject { ["n"] = first + i - 1 }, DateTimeOffset.UnixEpoch)).ToArray();

    private OpenStore Open(string kind) =>
        new(kind == "memory" ? new InMemoryRunStore() : new SqliteRunStore(Path.Combine(folder.Path, $"{Guid.NewGuid():N}.db")));

    private sealed class OpenStore(IRunStore store) : IDisposable
    {
        public IRunStore Store => store;

        public void Dispose() => (store as IDisposable)?.Dispose();
    }
}
