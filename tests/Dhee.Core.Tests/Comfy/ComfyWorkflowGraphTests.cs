using Dhee.Comfy;

namespace Dhee.Tests.Comfy;

public sealed class ComfyWorkflowGraphTests
{
    [Fact]
    public void PruneAndRedirect_TransitiveRedirects_KeepSlotAndDeleteNodes()
    {
        var wf = ComfyTestWorkflows.Parse("""
            {"1": {"class_type": "A", "inputs": {}}, "2": {"class_type": "B", "inputs": {"x": ["1", 1]}},
             "3": {"class_type": "C", "inputs": {"y": ["2", 1], "z": ["2", 0], "w": 5}}}
            """);
        var removed = ComfyWorkflowGraph.PruneAndRedirect(wf, new ComfyPrunePlan(["2"], [new ComfyRedirect("2", "9"), new ComfyRedirect("9", "1")]));
        Assert.Equal(["2"], removed);
        Assert.Equal("[\"1\",1]", wf["3"]!["inputs"]!["y"]!.ToJsonString());
        Assert.Equal("[\"1\",0]", wf["3"]!["inputs"]!["z"]!.ToJsonString());
        Assert.Equal(5, wf["3"]!["inputs"]!["w"]!.GetValue<int>());
    }

    [Fact]
    public void PruneAndRedirect_CycleOrDeletedTarget_DropsLinkWithoutHanging()
    {
        var wf = ComfyTestWorkflows.Parse("""{"1": {"class_type": "A", "inputs": {}}, "2": {"class_type": "B", "inputs": {"x": ["1", 0]}}, "3": {"class_type": "C", "inputs": {"y": ["2", 0], "q": ["4", 0]}}, "4": {"class_type": "D", "inputs": {}}}""");
        ComfyWorkflowGraph.PruneAndRedirect(wf, new ComfyPrunePlan(["2", "4"], [new ComfyRedirect("2", "5"), new ComfyRedirect("5", "2")]));
        Assert.False(wf["3"]!["inputs"]!.AsObject().ContainsKey("y"));
        Assert.False(wf["3"]!["inputs"]!.AsObject().ContainsKey("q"));
        Assert.False(wf.ContainsKey("4"));
    }
}
