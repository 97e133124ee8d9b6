using System.Net;
using Dhee.Server.Execution;
using Dhee.Server.Runs;
using Dhee.Server.Storage;
using Dhee.Tests.Support;
using Dhee.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Dhee.Tests.Hosting;

public sealed class RunMaintenanceServiceTests : IDisposable
{
    private readonly TestProjectDirectory folder = new("dhee-maintenance");

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task Start_AfterACrashWithRunningRun_MarksItInterruptedAndEndsItsStream()
    {
        var database = Path.Combine(folder.Path, "runs.db");
        using (var store = new SqliteRunStore(database))
        {
            await store.CreateAsync(new RunRecord
            {
                PreparationId = "prep_crashed",
                DagRunId = "run_crashed",
                Owner = "alice",
                Status = RunStatus.Running,
                ProjectDir = Path.Combine(folder.Path, "p"),
                Definition = SampleBodies.ThreeNodes(),
            });
            await store.AppendEventsAsync("prep_crashed", [
                new RunEvent(1, RunEventKinds.RunStarted, null, null, null, DateTimeOffset.UnixEpoch),
                new RunEvent(2, RunEventKinds.NodeStarted, "script", null, null, DateTimeOffset.UnixEpoch)]);
        }

        await using var server = await DheeTestServer.StartAsync(new ScriptedRunExecutor(), o => o.DatabasePath = database);
        using var client = server.Client();

        Assert.Equal("interrupted", (string?)(await RunApi.ResultAsync(client, "run_crashed"))["status"]);
        await using var stream = await SseClient.ConnectAsync(client, "runs/run_crashed/events", lastEventId: "2");
        var (events, end) = await stream.ReadToEndAsync();
        Assert.Equal("3", events.Single().Id);
        Assert.Equal("interrupted", (string?)events.Single().Json!["payload"]!["status"]);
        Assert.Equal("interrupted", (string?)end.Json!["status"]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Prune_FinishedRunPastTtl_IsDeletedWithItsProjectFolderUnlessKept(bool keepFolders)
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await DheeTestServer.StartAsync(
            new SimulatedRunExecutor { StepDelay = TimeSpan.Zero },
            o =>
            {
                o.ProjectsRoot = Path.Combine(folder.Path, "projects");
                o.RunTimeToLive = TimeSpan.FromHours(1);
                o.PruneInterval = TimeSpan.FromMilliseconds(50);
                o.KeepProjectFolders = keepFolders;
            },
            services => services.AddSingleton<TimeProvider>(clock));
        using var client = server.Client();
        var finished = await RunApi.CreateAsync(client);
        await RunApi.StartAsync(client, finished);
        await RunApi.WaitForStatusAsync(client, finished, "success");
        var prepared = await RunApi.CreateAsync(client);
        var projectDir = Path.Combine(folder.Path, "projects", finished);
        Assert.True(Directory.Exists(projectDir));

        clock.Advance(TimeSpan.FromMinutes(30));
        await Task.Delay(300);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"runs/{finished}")).StatusCode);

        clock.Advance(TimeSpan.FromHours(1));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await client.GetAsync($"runs/{finished}")).StatusCode != HttpStatusCode.NotFound)
        {
            Assert.True(DateTime.UtcNow < deadline, "The run was not pruned.");
            await Task.Delay(50);
        }

        while (!keepFolders && Directory.Exists(projectDir) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(keepFolders, Directory.Exists(projectDir));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"runs/{prepared}")).StatusCode);
    }

    [Fact]
    public async Task Executor_NotRegistered_FailsWithActionableMessage()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDheeServer();
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<Dhee.Errors.DheeConfigurationException>(() => provider.GetRequiredService<IRunExecutor>());

        Assert.Contains("SimulatedRunExecutor", error.Message, StringComparison.Ordinal);
    }
}
