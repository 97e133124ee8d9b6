using System.Text.Json.Nodes;
using Dhee.Bundles;
using Dhee.Runners;
using Dhee.Testing;
using Dhee.Walking;
using static Dhee.Tests.Walking.WalkTestKit;

namespace Dhee.Tests.Walking;

public sealed class WalkerPlanTests : IDisposable
{
    private readonly TestProjectDirectory _project = new("dhee-plan");

    private static Bundle Make(string style = "noir") => Bundle("final",
        Stage("plan", tool: "test.plan", format: OutputFormat.Json),
        Collection("shot", "plan", config: new JsonObject { ["style"] = style }, inputs: From("plan")),
        Stage("final", inputs: From("shot", InputScope.All)),
        Stage("unrelated"));

    private static Walker CreateWalker(bool failB = false) => new([
        JsonWriter("test.plan", new JsonArray("a", "b")),
        new FuncRunner("test.text", ctx => ValueTask.FromResult(failB && ctx.ItemId == "b" ? RunnerResult.Failure("b broke") : Write(ctx, "x"))),
    ]);

    [Fact]
    public async Task PlanAsync_FreshProject_EverythingRunsAndItemsUnknown_NothingWritten()
    {
        var plan = await CreateWalker().PlanAsync(Make(), Options(_project));

        Assert.Equal(PlannedAction.Run, plan.Instances.Single(i => i.NodeId == "plan").Action);
        Assert.Equal("never ran", plan.Instances.Single(i => i.NodeId == "plan").Reason);
        var shot = plan.Instances.Single(i => i.NodeId == "shot");
        Assert.Equal(PlannedAction.Unknown, shot.Action);
        Assert.Contains("'plan' has run", shot.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(plan.Instances, i => i.NodeId == "unrelated");
        Assert.False(Directory.Exists(Path.Combine(_project.Path, ".dhee")));
    }

    [Fact]
    public async Task PlanAsync_AfterWalkAndEdit_ShowsUpToDateAndWhyStaleOnesRun()
    {
        await CreateWalker(failB: true).WalkAsync(Make(), Options(_project));

        var afterFailure = await CreateWalker().PlanAsync(Make(), Options(_project));
        Assert.Equal(PlannedAction.UpToDate, afterFailure.Instances.Single(i => i.ItemId == "a").Action);
        Assert.Equal("failed last time: b broke", afterFailure.Instances.Single(i => i.ItemId == "b").Reason);
        Assert.Equal("never ran", afterFailure.Instances.Single(i => i.NodeId == "final").Reason);

        await CreateWalker().WalkAsync(Make(), Options(_project));
        var clean = await CreateWalker().PlanAsync(Make(), Options(_project));
        Assert.All(clean.Instances, i => Assert.Equal(PlannedAction.UpToDate, i.Action));

        var edited = await CreateWalker().PlanAsync(Make("pastel"), Options(_project));
        Assert.Equal(PlannedAction.UpToDate, edited.Instances.Single(i => i.NodeId == "plan").Action);
        Assert.StartsWith("its definition changed", edited.Instances.Single(i => i.ItemId == "a").Reason, StringComparison.Ordinal);
        Assert.Contains("will run", edited.Instances.Single(i => i.NodeId == "final").Reason, StringComparison.Ordinal);
        Assert.Equal(3, edited.ToRun);
    }

    public void Dispose() => _project.Dispose();
}
