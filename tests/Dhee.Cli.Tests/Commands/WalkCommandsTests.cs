using System.Text.Json;
using System.Text.Json.Nodes;
using Dhee.Cli.Commands;
using Dhee.Cli.Hosting;
using Dhee.Registry;
using Dhee.Runners;
using Dhee.Testing;
using Dhee.Testing.Runners;

namespace Dhee.Tests.Commands;

public sealed class WalkCommandsTests : IDisposable
{
    private const string BundleJson = """
        {
          "id": "cli-sample", "version": "0.1.0", "goal": "final",
          "nodes": [
            { "id": "plan", "kind": "stage", "outputs": { "format": "json", "pattern": "plan.json" }, "runner": { "tool": "test.plan", "config": {} } },
            { "id": "shot", "kind": "collection", "itemSource": "plan", "itemKey": "shots",
              "inputs": [ { "from": "plan" } ],
              "outputs": { "format": "text", "pattern": "shots/{{item_id}}.txt" }, "runner": { "tool": "test.write", "config": {} } },
            { "id": "final", "kind": "stage", "inputs": [ { "from": "shot", "scope": "all" } ],
              "outputs": { "format": "text", "pattern": "final.txt" }, "runner": { "tool": "test.write", "config": {} } }
          ]
        }
        """;

    private readonly TestProjectDirectory _dir = new("dhee-cli-walk");
    private readonly string _bundle;
    private readonly string _project;

    public WalkCommandsTests()
    {
        _bundle = _dir.WriteFile("bundle/bundle.json", BundleJson);
        _project = Path.Combine(_dir.Path, "project");
    }

    private static RunnerRegistry Registry() => Registry(failShotB: false);

    private static RunnerRegistry Registry(bool failShotB)
    {
        var registry = new RunnerRegistry();
        registry.Register(StubRunner.Manifest("test.plan"), new WritingRunner("test.plan", _ => new JsonObject { ["shots"] = new JsonArray("a", "b", "c") }.ToJsonString()));
        registry.Register(StubRunner.Manifest("test.write"), new WritingRunner("test.write", ctx => failShotB && ctx.ItemId == "b" ? null : $"{ctx.Node.Id}:{ctx.ItemId}"));
        return registry;
    }

    private Task<CliRunResult> Run(RunnerRegistry registry, params string[] args)
        => CliRun.InvokeAsync([RunCommand.Create("run", "run", () => registry)], ["run", _bundle, "--project", _project, "--no-cache", .. args]);

    [Fact]
    public async Task Run_Bundle_Succeeds_SecondRunSkipsAll()
    {
        var first = await Run(Registry());

        Assert.Equal(ExitCodes.Ok, first.ExitCode);
        Assert.Contains("Succeeded", first.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_project, "shots", "c.txt")));

        var second = await Run(Registry(), "--json");
        Assert.Equal(ExitCodes.Ok, second.ExitCode);
        using var doc = JsonDocument.Parse(second.Output);
        Assert.True(doc.RootElement.GetProperty("ok").GetBoolean());
        Assert.Equal(5, doc.RootElement.GetProperty("skipped").GetInt32());
        Assert.Equal(0, doc.RootElement.GetProperty("completed").GetInt32());
    }

    [Fact]
    public async Task Run_Item_RunsOnlyThatItem()
    {
        var run = await Run(Registry(), "--item", "b", "--json");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.True(File.Exists(Path.Combine(_project, "shots", "b.txt")));
        Assert.False(File.Exists(Path.Combine(_project, "shots", "a.txt")));
        Assert.False(File.Exists(Path.Combine(_project, "final.txt")));
    }

    [Fact]
    public async Task Run_ItemFails_ExitsOne_ThenNodesStatusInspectShowIt()
    {
        var run = await Run(Registry(failShotB: true));

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        Assert.Contains("cannot write b", run.Output, StringComparison.Ordinal);

        var nodes = await CliRun.InvokeAsync([NodesCommand.Create()], "nodes", "--project", _project, "--status", "failed", "--json");
        using (var doc = JsonDocument.Parse(nodes.Output))
        {
            var entry = Assert.Single(doc.RootElement.EnumerateArray());
            Assert.Equal("b", entry.GetProperty("itemId").GetString());
        }

        var status = await CliRun.InvokeAsync([StatusCommand.Create()], "status", "--project", _project);
        Assert.Contains("3 completed", status.Output, StringComparison.Ordinal);

        var inspect = await CliRun.InvokeAsync([InspectCommand.Create()], "inspect", "shot", "--item", "b", "--project", _project);
        Assert.Equal(ExitCodes.Ok, inspect.ExitCode);
        Assert.Contains("cannot write b", inspect.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalidate_Item_CascadesAndNextRunRerunsOnlyThose()
    {
        await Run(Registry());

        var invalidate = await CliRun.InvokeAsync([InvalidateCommand.Create()], "invalidate", "shot", "--item", "a", "--project", _project);
        Assert.Equal(ExitCodes.Ok, invalidate.ExitCode);
        Assert.Contains("shot:a, final", invalidate.Output, StringComparison.Ordinal);


        var rerun = await Run(Registry(), "--json");
        using var doc = JsonDocument.Parse(rerun.Output);
        Assert.Equal(2, doc.RootElement.GetProperty("completed").GetInt32());
        Assert.Equal(3, doc.RootElement.GetProperty("skipped").GetInt32());
    }

    [Fact]
    public async Task Run_UnknownTool_FailsBeforeRunningWithProblem()
    {
        var registry = new RunnerRegistry();
        registry.Register(StubRunner.Manifest("test.plan"), new WritingRunner("test.plan", _ => "{}"));

        var run = await Run(registry);

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        Assert.Contains("test.write", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_project, ".dhee")));
    }

    [Fact]
    public async Task Plan_BeforeAndAfterRun_ListsWhatWouldRunAndWhy()
    {
        var before = await CliRun.InvokeAsync([PlanCommand.Create(Registry)], "plan", _bundle, "--project", _project);
        Assert.Equal(ExitCodes.Ok, before.ExitCode);
        Assert.Contains("never ran", before.Output, StringComparison.Ordinal);
        Assert.Contains("1 to run, 0 up to date, 2 not known yet", before.Output, StringComparison.Ordinal);

        await Run(Registry());
        var after = await CliRun.InvokeAsync([PlanCommand.Create(Registry)], "plan", _bundle, "--project", _project, "--json");
        using var doc = JsonDocument.Parse(after.Output);
        Assert.Equal(0, doc.RootElement.GetProperty("toRun").GetInt32());
        Assert.Equal(5, doc.RootElement.GetProperty("upToDate").GetInt32());
    }

    [Fact]
    public async Task Stop_NoWalkRunning_Fails()
    {
        Directory.CreateDirectory(_project);
        var stop = await CliRun.InvokeAsync([StopCommand.Create()], "stop", "--project", _project);
        Assert.Equal(ExitCodes.Failure, stop.ExitCode);
        Assert.Contains("no walk is running", stop.Error, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();

    private sealed class WritingRunner(string tool, Func<RunnerContext, string?> content) : IRunner
    {
        public RunnerDescription Describe() => new() { Id = tool, DisplayName = tool };

        public ValueTask<RunnerResult> RunAsync(RunnerContext context)
        {
            var text = content(context);
            if (text is null)
            {
                return ValueTask.FromResult(RunnerResult.Failure($"cannot write {context.ItemId}"));
            }

            Directory.CreateDirectory(Path.GetDirectoryName(context.OutputFullPath)!);
            File.WriteAllText(context.OutputFullPath, text);
            return ValueTask.FromResult(RunnerResult.Success(context.OutputPath));
        }
    }
}
