using System.Diagnostics;
using System.Text.Json.Nodes;
using Dhee.Bundles;
using Dhee.State;
using Dhee.Testing;
using Dhee.Walking;
using static Dhee.Tests.Walking.WalkTestKit;

namespace Dhee.Tests.Walking;

public sealed class WalkerStateTests : IDisposable
{
    private readonly TestProjectDirectory _project = new("dhee-walkstate");

    [Fact]
    public async Task WalkAsync_SecondConcurrentWalk_RejectedWithClearMessage()
    {
        var release = new TaskCompletionSource();
        var started = new TaskCompletionSource();
        var slow = new FuncRunner("test.text", async ctx =>
        {
            started.TrySetResult();
            await release.Task.WaitAsync(ctx.CancellationToken);
            return Write(ctx, "x");
        });
        var bundle = Bundle("a", Stage("a"));
        var first = new Walker([slow]).WalkAsync(bundle, Options(_project)).AsTask();
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var e = await Assert.ThrowsAsync<WalkInProgressException>(() => new Walker([slow]).WalkAsync(bundle, Options(_project)).AsTask());
        Assert.Contains("already running", e.Message, StringComparison.Ordinal);
        Assert.True(Walker.IsWalking(_project.Path));
        await Assert.ThrowsAsync<WalkInProgressException>(() => Walker.InvalidateAsync(_project.Path, "a").AsTask());

        release.SetResult();
        Assert.Equal(WalkStatus.Succeeded, (await first).Status);
        Assert.False(Walker.IsWalking(_project.Path));
    }

    [Fact]
    public async Task WalkAsync_LockHeldByLiveProcess_RejectedNamingPid_ReclaimedOnceItDies()
    {
        using var holder = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        WriteLock(holder.Id, DateTimeOffset.UtcNow);
        var runner = new FuncRunner("test.text");

        var e = await Assert.ThrowsAsync<WalkInProgressException>(() => new Walker([runner]).WalkAsync(Bundle("a", Stage("a")), Options(_project)).AsTask());
        Assert.Contains($"process {holder.Id}", e.Message, StringComparison.Ordinal);
        Assert.Contains("walk.lock", e.Message, StringComparison.Ordinal);

        holder.Kill();
        await holder.WaitForExitAsync();
        var result = await new Walker([runner]).WalkAsync(Bundle("a", Stage("a")), Options(_project));
        Assert.Equal(WalkStatus.Succeeded, result.Status);
        Assert.False(File.Exists(ProjectLock.PathFor(_project.Path)));
    }

    [Fact]
    public async Task WalkAsync_HalfTakenLockOfKilledProcess_IgnoredAndCleanedUp()
    {
        // A process killed while taking the lock leaves only its temp file; the lock itself is never half-written.
        Directory.CreateDirectory(Path.Combine(_project.Path, ".dhee"));
        var leftover = ProjectLock.PathFor(_project.Path) + ".tmp-424242-0123456789abcdef";
        await File.WriteAllTextAsync(leftover, "{\"pid\":");

        var result = await new Walker([new FuncRunner("test.text")]).WalkAsync(Bundle("a", Stage("a")), Options(_project));

        Assert.Equal(WalkStatus.Succeeded, result.Status);
        Assert.False(File.Exists(leftover));
        Assert.False(File.Exists(ProjectLock.PathFor(_project.Path)));
    }

    [Fact]
    public async Task WalkAsync_LockOfOtherHost_NeverReclaimed()
    {
        Directory.CreateDirectory(Path.Combine(_project.Path, ".dhee"));
        await File.WriteAllTextAsync(ProjectLock.PathFor(_project.Path), new JsonObject { ["pid"] = 1, ["host"] = "some-other-host", ["startedAt"] = "2020-01-01T00:00:00Z" }.ToJsonString());

        var e = await Assert.ThrowsAsync<WalkInProgressException>(() => new Walker([new FuncRunner("test.text")]).WalkAsync(Bundle("a", Stage("a")), Options(_project)).AsTask());
        Assert.Contains("some-other-host", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WalkAsync_EditedConfigOrPromptFile_RerunsNodeAndDownstreamOnly()
    {
        using var bundleDir = new TestProjectDirectory("dhee-bundle");
        bundleDir.WriteFile("prompts/b.md", "Write about {{topic}}");
        var runner = new FuncRunner("test.text");
        Bundle Make(string style) => Bundle("final",
            Stage("a"),
            Stage("b", config: new JsonObject { ["promptTemplate"] = "prompts/b.md", ["style"] = style }, inputs: From("a")),
            Stage("c", inputs: From("b")),
            Stage("side"),
            Stage("final", inputs: [From("c"), From("side")])) with { BundleDir = bundleDir.Path };

        await new Walker([runner]).WalkAsync(Make("noir"), Options(_project));
        Assert.Equal(5, runner.Calls.Count);

        var unchanged = await new Walker([runner]).WalkAsync(Make("noir"), Options(_project));
        Assert.Equal(5, unchanged.Skipped);

        runner.Calls.Clear();
        var edited = await new Walker([runner]).WalkAsync(Make("pastel"), Options(_project));
        Assert.Equal(["b", "c", "final"], runner.Calls);
        Assert.Equal(2, edited.Skipped);

        runner.Calls.Clear();
        bundleDir.WriteFile("prompts/b.md", "Write briefly about {{topic}}");
        await new Walker([runner]).WalkAsync(Make("pastel"), Options(_project));
        Assert.Equal(["b", "c", "final"], runner.Calls);
    }

    [Fact]
    public async Task InvalidateAsync_ItemOfCollection_CascadesToConsumersAndKeepsVersions()
    {
        var plan = JsonWriter("test.plan", new JsonArray("a", "b"));
        var runner = new FuncRunner("test.text");
        var bundle = Bundle("final",
            Stage("plan", tool: "test.plan", format: OutputFormat.Json),
            Collection("img", "plan"),
            Collection("vid", "img", inputs: From("img")),
            Stage("final", inputs: From("vid", InputScope.All)));
        await new Walker([plan, runner]).WalkAsync(bundle, Options(_project));

        var invalidated = await Walker.InvalidateAsync(_project.Path, "img", "A");

        Assert.Equal(["img:a", "vid:a", "final"], invalidated);
        Assert.True(File.Exists(Path.Combine(_project.Path, "out/img/a.v1.txt")));
        Assert.False(File.Exists(Path.Combine(_project.Path, "out/img/a.txt")));
        runner.Calls.Clear();
        var rerun = await new Walker([plan, runner]).WalkAsync(bundle, Options(_project));
        Assert.Equal(["final", "img[a]", "vid[a]"], runner.Calls.Order());
        Assert.Equal(3, rerun.Skipped); // plan, img[b], vid[b]
    }

    [Fact]
    public async Task WalkAsync_RerunOverExistingOutput_KeepsOldVersions()
    {
        var version = 0;
        var runner = new FuncRunner("test.text", ctx => ValueTask.FromResult(Write(ctx, $"version {Interlocked.Increment(ref version)}")));
        var bundle = Bundle("a", Stage("a"));
        await new Walker([runner]).WalkAsync(bundle, Options(_project));
        await Walker.InvalidateAsync(_project.Path, "a");
        await new Walker([runner]).WalkAsync(bundle, Options(_project));
        File.WriteAllText(Path.Combine(_project.Path, "out/a.txt"), "hand edit");
        await Walker.InvalidateAsync(_project.Path, "a");
        await new Walker([runner]).WalkAsync(bundle, Options(_project));

        Assert.Equal("version 1", File.ReadAllText(Path.Combine(_project.Path, "out/a.v1.txt")));
        Assert.Equal("hand edit", File.ReadAllText(Path.Combine(_project.Path, "out/a.v2.txt")));
        Assert.Equal("version 3", File.ReadAllText(Path.Combine(_project.Path, "out/a.txt")));
    }

    [Fact]
    public async Task WalkAsync_TornLastJournalLine_IgnoredAndHealed()
    {
        var runner = new FuncRunner("test.text");
        var bundle = Bundle("b", Stage("a"), Stage("b", inputs: From("a")));
        await new Walker([runner]).WalkAsync(bundle, Options(_project));
        var journal = WalkJournal.PathFor(_project.Path);
        await File.AppendAllTextAsync(journal, "{\"t\":\"done\",\"k\":\"b\",\"s\":\"12");

        var result = await new Walker([runner]).WalkAsync(bundle, Options(_project));

        Assert.Equal(2, result.Skipped);
        Assert.All(await File.ReadAllLinesAsync(journal), line => System.Text.Json.JsonDocument.Parse(line).Dispose());
    }

    [Fact]
    public async Task Journal_ManyAppends_StaysWithinTwiceLiveSize()
    {
        Directory.CreateDirectory(_project.Path);
        var journal = WalkJournal.Open(_project.Path, minCompactionLines: 10);
        await using (journal)
        {
            for (var round = 0; round < 20; round++)
            {
                for (var i = 0; i < 5; i++)
                {
                    _ = journal.AppendAsync(new JournalRecord { Type = JournalRecord.Done, Key = $"n{i}", Stamp = round.ToString(System.Globalization.CultureInfo.InvariantCulture) });
                }

                await journal.FlushAsync();
            }

            Assert.True(journal.Compactions > 0);
        }

        Assert.InRange(File.ReadAllLines(WalkJournal.PathFor(_project.Path)).Length, 5, 10); // never more than twice the live records
        Assert.Equal("19", WalkJournal.ReadState(_project.Path)["n3"].Stamp);
    }

    [Fact]
    public void ReadState_LatestLinePerInstance_WinsAndInvalidationRemoves()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(WalkJournal.PathFor(_project.Path))!);
        File.WriteAllText(WalkJournal.PathFor(_project.Path), string.Concat(
            WalkJournal.Serialize(new JournalRecord { Type = JournalRecord.Start, Key = "a" }),
            WalkJournal.Serialize(new JournalRecord { Type = JournalRecord.Done, Key = "a", Stamp = "1" }),
            WalkJournal.Serialize(new JournalRecord { Type = JournalRecord.Done, Key = "b", Stamp = "2" }),
            WalkJournal.Serialize(new JournalRecord { Type = JournalRecord.Invalidated, Key = "b" }),
            WalkJournal.Serialize(new JournalRecord { Type = JournalRecord.Start, Key = "c" }),
            WalkJournal.Serialize(new JournalRecord { Type = JournalRecord.Done, Key = "a", Stamp = "3" })));

        var state = WalkJournal.ReadState(_project.Path);

        Assert.Equal(["a", "c"], state.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("3", state["a"].Stamp);
        Assert.Equal(JournalRecord.Start, state["c"].Type);
    }

    [Fact]
    public void ReadState_DamagedLatestLine_KeepsThatInstancesEarlierRecord()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(WalkJournal.PathFor(_project.Path))!);
        File.WriteAllText(WalkJournal.PathFor(_project.Path), string.Concat(
            WalkJournal.Serialize(new JournalRecord { Type = JournalRecord.Done, Key = "a", Stamp = "1" }),
            "{\"t\":\"done\",\"k\":\"a\",\"s\":\"2\",,}\n",
            WalkJournal.Serialize(new JournalRecord { Type = JournalRecord.Done, Key = "b", Stamp = "3" })));

        var state = WalkJournal.ReadState(_project.Path);

        Assert.Equal("1", state["a"].Stamp);
        Assert.Equal("3", state["b"].Stamp);
    }

    [Fact]
    public async Task ReadState_AfterFailure_ReportsFailedWithError()
    {
        var broken = new FuncRunner("test.text", _ => ValueTask.FromResult(Dhee.Runners.RunnerResult.Failure("nope")));
        await new Walker([broken]).WalkAsync(Bundle("a", Stage("a")), Options(_project));

        var entry = Assert.Single(Walker.ReadState(_project.Path));
        Assert.Equal(WalkStateStatus.Failed, entry.Status);
        Assert.Equal("nope", entry.Error);
    }

    private void WriteLock(int pid, DateTimeOffset startedAt)
    {
        Directory.CreateDirectory(Path.Combine(_project.Path, ".dhee"));
        File.WriteAllText(ProjectLock.PathFor(_project.Path), new JsonObject { ["pid"] = pid, ["host"] = Environment.MachineName, ["startedAt"] = startedAt.ToString("O") }.ToJsonString());
    }

    public void Dispose() => _project.Dispose();
}
