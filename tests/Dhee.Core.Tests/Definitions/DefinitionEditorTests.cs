using Dhee.Definitions;

namespace Dhee.Tests.Definitions;

public class DefinitionEditorTests
{
    private static DagNodeDefinition Source(string id) => new()
    {
        Id = id,
        Tool = "comfy.tti",
        Outputs = [new DagPortDefinition { Key = "image" }, new DagPortDefinition { Key = "text" }],
    };

    private static DagNodeDefinition Collage(string id = "collage") => new()
    {
        Id = id,
        Tool = "image.collage",
        Inputs = [new DagPortDefinition { Key = "images", IsList = true }, new DagPortDefinition { Key = "prompt" }],
        Outputs = [new DagPortDefinition { Key = "image" }],
    };

    private static DefinitionEditor Editor(params DagNodeDefinition[] nodes)
    {
        var editor = new DefinitionEditor(new DagDefinition { Id = "d" });
        foreach (var node in nodes)
        {
            Assert.True(editor.AddNode(node).Succeeded);
        }

        return editor;
    }

    private static IReadOnlyList<string> ImageKeys(DefinitionEditor editor) =>
        editor.Definition.Edges.Where(e => e.To == "collage").SelectMany(e => e.Bindings).Select(b => b.InputKey)
            .Where(k => k.StartsWith("images[", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public void Connect_ToPlaceholders_FromSeveralSources_NumbersSequentiallyAcrossEdges()
    {
        var editor = Editor(Source("a"), Source("b"), Collage());

        Assert.True(editor.Connect("a", "image", "collage", "images[0]").Succeeded);
        Assert.True(editor.Connect("b", "image", "collage", "images[1]").Succeeded);
        Assert.True(editor.Connect("a", "text", "collage", "images[2]").Succeeded);

        Assert.Equal(["images[0]", "images[1]", "images[2]"], ImageKeys(editor));
        Assert.Equal(2, editor.Definition.Edges.Count);
    }

    [Fact]
    public void ComputeInputHandles_ListPort_HasConnectedPlusOnePlaceholder()
    {
        var editor = Editor(Source("a"), Source("b"), Collage());
        Assert.Equal(["images[0]"], editor.ComputeInputHandles("collage")["images"]);

        editor.Connect("a", "image", "collage", "images[0]");
        editor.Connect("b", "image", "collage", "images[1]");

        Assert.Equal(["images[0]", "images[1]", "images[2]"], editor.ComputeInputHandles("collage")["images"]);
        Assert.Equal(["prompt"], editor.ComputeInputHandles("collage")["prompt"]);
    }

    [Fact]
    public void Connect_ToBoundListHandle_IsRejectedWithSeedMessage()
    {
        var editor = Editor(Source("a"), Source("b"), Collage());
        editor.Connect("a", "image", "collage", "images[0]");
        var before = editor.Definition;

        var result = editor.Connect("b", "image", "collage", "images[0]");

        Assert.False(result.Succeeded);
        Assert.Equal("Connection rejected: input handle is already bound.", result.Error);
        Assert.Same(before, editor.Definition);
    }

    [Fact]
    public void Connect_ToBoundPlainPort_IsRejected()
    {
        var editor = Editor(Source("a"), Source("b"), Collage());
        Assert.True(editor.Connect("a", "text", "collage", "prompt").Succeeded);

        var result = editor.Connect("b", "text", "collage", "prompt");

        Assert.Equal(DefinitionEditor.HandleAlreadyBoundMessage, result.Error);
    }

    [Fact]
    public void Connect_SameHandleTwiceOnOneEdge_IsRejected()
    {
        var editor = Editor(Source("a"), Collage());
        editor.Connect("a", "image", "collage", "images[0]");

        var result = editor.Connect("a", "text", "collage", "images[0]");

        Assert.False(result.Succeeded);
        Assert.Single(editor.Definition.Edges.Single().Bindings);
    }

    [Fact]
    public void RemoveEdge_InTheMiddle_CompactsRemainingIndicesAndShrinksHandles()
    {
        var editor = Editor(Source("a"), Source("b"), Source("c"), Collage());
        editor.Connect("a", "image", "collage", "images[0]");
        editor.Connect("b", "image", "collage", "images[1]");
        editor.Connect("c", "image", "collage", "images[2]");

        Assert.True(editor.RemoveEdge("b->collage").Succeeded);

        var c = editor.Definition.Edges.Single(e => e.From == "c");
        Assert.Equal("images[1]", c.Bindings.Single().InputKey);
        Assert.Equal(["images[0]", "images[1]"], ImageKeys(editor));
        Assert.Equal(["images[0]", "images[1]", "images[2]"], editor.ComputeInputHandles("collage")["images"]);
        Assert.Equal(["a", "c"], editor.Definition.FindNode("collage")!.DependsOn);
    }

    [Fact]
    public void RemoveNode_RemovesItsEdges_CompactsAndRecomputesDependsOn()
    {
        var editor = Editor(Source("a"), Source("b"), Collage());
        editor.Connect("a", "image", "collage", "images[0]");
        editor.Connect("b", "image", "collage", "images[1]");

        Assert.True(editor.RemoveNode("a").Succeeded);

        Assert.Null(editor.Definition.FindNode("a"));
        Assert.Equal("images[0]", editor.Definition.Edges.Single().Bindings.Single().InputKey);
        Assert.Equal(["b"], editor.Definition.FindNode("collage")!.DependsOn);
    }

    [Fact]
    public void UpdateEdge_DroppingABinding_CompactsAcrossEdges()
    {
        var editor = Editor(Source("a"), Source("b"), Collage());
        editor.Connect("a", "image", "collage", "images[0]");
        editor.Connect("a", "text", "collage", "images[1]");
        editor.Connect("b", "image", "collage", "images[2]");
        var edge = editor.Definition.FindEdge("a->collage")!;

        var result = editor.UpdateEdge(edge with { Bindings = [edge.Bindings[1]] });

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(["images[0]", "images[1]"], ImageKeys(editor));
        Assert.Equal("images[1]", editor.Definition.FindEdge("b->collage")!.Bindings.Single().InputKey);
    }

    [Fact]
    public void UpdateEdge_TakingAnotherEdgesHandle_IsRejected()
    {
        var editor = Editor(Source("a"), Source("b"), Collage());
        editor.Connect("a", "image", "collage", "images[0]");
        editor.Connect("b", "image", "collage", "images[1]");
        var edge = editor.Definition.FindEdge("a->collage")!;

        var result = editor.UpdateEdge(edge with { Bindings = [.. edge.Bindings, new DagEdgeBinding("text", "images[1]")] });

        Assert.Equal(DefinitionEditor.HandleAlreadyBoundMessage, result.Error);
    }

    [Fact]
    public void AddEdge_PastThePlaceholder_IsCompactedToNextIndex()
    {
        var editor = Editor(Source("a"), Collage());

        var result = editor.AddEdge(new DagEdgeDefinition { Id = "e1", From = "a", To = "collage", Bindings = [new("image", "images[7]")] });

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("images[0]", editor.Definition.Edges.Single().Bindings.Single().InputKey);
    }

    [Fact]
    public void AddEdge_AndRemoveEdge_RecomputeDependsOn()
    {
        var editor = Editor(Source("a"), Source("b"), Collage());
        editor.AddEdge(new DagEdgeDefinition { Id = "e2", From = "b", To = "collage", Bindings = [new("text", "prompt")] });
        editor.AddEdge(new DagEdgeDefinition { Id = "e1", From = "a", To = "collage", Bindings = [new("image", "images[0]")] });
        Assert.Equal(["a", "b"], editor.Definition.FindNode("collage")!.DependsOn);

        editor.RemoveEdge("e2");

        Assert.Equal(["a"], editor.Definition.FindNode("collage")!.DependsOn);
    }

    [Fact]
    public void AddEdge_ClosingACycle_IsRejected()
    {
        var editor = Editor(
            new DagNodeDefinition { Id = "x", Tool = "t" },
            new DagNodeDefinition { Id = "y", Tool = "t" });
        Assert.True(editor.Connect("x", "out", "y", "in").Succeeded);

        var result = editor.Connect("y", "out", "x", "in");

        Assert.False(result.Succeeded);
        Assert.Contains("cycle", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a", "missing", "collage", "images[0]", "has no output 'missing'")]
    [InlineData("a", "image", "collage", "nope", "has no input 'nope'")]
    [InlineData("a", "image", "collage", "images", "is a list port")]
    [InlineData("a", "text", "collage", "prompt[0]", "is not a list port")]
    [InlineData("ghost", "image", "collage", "images[0]", "'ghost' does not exist")]
    [InlineData("a", "image", "a", "images[0]", "cannot feed itself")]
    public void Connect_InvalidEndpoints_AreRejectedWithTheReason(string from, string output, string to, string handle, string expected)
    {
        var editor = Editor(Source("a"), Collage());

        var result = editor.Connect(from, output, to, handle);

        Assert.False(result.Succeeded);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.Empty(editor.Definition.Edges);
    }

    [Fact]
    public void AddNode_DuplicateId_IsRejected()
    {
        var editor = Editor(Source("a"));

        var result = editor.AddNode(Source("a"));

        Assert.False(result.Succeeded);
        Assert.Single(editor.Definition.Nodes);
    }

    [Fact]
    public void UpdateNode_RemovingABoundPort_IsRejected_KeepingPortsIsApplied()
    {
        var editor = Editor(Source("a"), Collage());
        editor.Connect("a", "text", "collage", "prompt");

        var removed = editor.UpdateNode(Collage() with { Inputs = [new DagPortDefinition { Key = "images", IsList = true }] });
        var renamed = editor.UpdateNode(Collage() with { DisplayName = "Collage" });

        Assert.False(removed.Succeeded);
        Assert.True(renamed.Succeeded, renamed.Error);
        Assert.Equal("Collage", editor.Definition.FindNode("collage")!.DisplayName);
        Assert.Equal(["a"], editor.Definition.FindNode("collage")!.DependsOn);
    }

    [Fact]
    public void Constructor_WithGapsAndStaleDependsOn_Normalizes()
    {
        var definition = new DagDefinition
        {
            Id = "d",
            Nodes = [Source("a"), Source("b"), Collage() with { DependsOn = ["zzz"] }],
            Edges =
            [
                new DagEdgeDefinition { Id = "e1", From = "b", To = "collage", Bindings = [new("image", "images[5]")] },
                new DagEdgeDefinition { Id = "e2", From = "a", To = "collage", Bindings = [new("image", "images[2]")] },
            ],
        };

        var editor = new DefinitionEditor(definition);

        Assert.Equal("images[1]", editor.Definition.FindEdge("e1")!.Bindings[0].InputKey);
        Assert.Equal("images[0]", editor.Definition.FindEdge("e2")!.Bindings[0].InputKey);
        Assert.Equal(["a", "b"], editor.Definition.FindNode("collage")!.DependsOn);
    }

    [Fact]
    public void Mutations_InAnyOrder_KeepAllFourInvariants()
    {
        var random = new Random(42);
        var editor = Editor(Source("a"), Source("b"), Source("c"), Collage(), Collage("collage2"));
        string[] sources = ["a", "b", "c"];
        string[] targets = ["collage", "collage2"];
        for (var step = 0; step < 300; step++)
        {
            var target = targets[random.Next(targets.Length)];
            switch (random.Next(4))
            {
                case 0:
                case 1:
                    var handles = editor.ComputeInputHandles(target)["images"];
                    editor.Connect(sources[random.Next(sources.Length)], random.Next(2) == 0 ? "image" : "text", target, handles[random.Next(handles.Count)]);
                    break;
                case 2 when editor.Definition.Edges.Count > 0:
                    editor.RemoveEdge(editor.Definition.Edges[random.Next(editor.Definition.Edges.Count)].Id);
                    break;
                default:
                    if (editor.Definition.Edges.Count > 0)
                    {
                        var edge = editor.Definition.Edges[random.Next(editor.Definition.Edges.Count)];
                        editor.UpdateEdge(edge with { Bindings = edge.Bindings.Skip(1).DefaultIfEmpty(edge.Bindings[0]).ToArray() });
                    }

                    break;
            }

            foreach (var t in targets)
            {
                var keys = editor.Definition.Edges.Where(e => e.To == t).SelectMany(e => e.Bindings).Select(b => b.InputKey).ToList();
                var list = keys.Where(k => k.StartsWith("images[", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();

                // 1. sequential indices, 2. exactly one placeholder, 3. no shared handle.
                Assert.Equal(Enumerable.Range(0, list.Count).Select(i => $"images[{i}]").Order(StringComparer.Ordinal), list);
                Assert.Equal(list.Count + 1, editor.ComputeInputHandles(t)["images"].Count);
                Assert.Equal(keys.Count, keys.Distinct().Count());

                // 4. dependsOn matches the edges.
                var expected = editor.Definition.Edges.Where(e => e.To == t).Select(e => e.From).Distinct().Order(StringComparer.Ordinal);
                Assert.Equal(expected, editor.Definition.FindNode(t)!.DependsOn.Order(StringComparer.Ordinal));
            }
        }
    }
}
