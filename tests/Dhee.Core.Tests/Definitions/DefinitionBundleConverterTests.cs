using System.Text.Json.Nodes;
using Dhee.Bundles;
using Dhee.Definitions;
using Dhee.Errors;

namespace Dhee.Tests.Definitions;

public class DefinitionBundleConverterTests
{
    private static DagDefinition TwoNodes() => new DefinitionEditor(new DagDefinition
    {
        Id = "demo",
        Nodes =
        [
            new DagNodeDefinition { Id = "prompt", Tool = "llm.generate", Config = new JsonObject { ["model"] = "m" }, OutputFormat = OutputFormat.Text },
            new DagNodeDefinition { Id = "image", Tool = "comfy.tti", OutputFormat = OutputFormat.Image },
        ],
        Edges = [new DagEdgeDefinition { Id = "e", From = "prompt", To = "image", Bindings = [new("text", "prompt")] }],
    }).Definition;

    [Fact]
    public void ToBundle_TwoNodes_MapsRunnersInputsGoalAndBindings()
    {
        var bundle = DefinitionBundleConverter.ToBundle(TwoNodes());

        Assert.Equal("demo", bundle.Id);
        Assert.Equal("image", bundle.Goal);
        Assert.Equal("llm.generate", bundle.FindNode("prompt")!.Runner.Tool);
        Assert.Equal("m", (string?)bundle.FindNode("prompt")!.Runner.Config["model"]);
        Assert.Equal("prompt", bundle.FindNode("image")!.Inputs.Single().From);
        Assert.Equal("outputs/image.png", bundle.FindNode("image")!.Outputs.Pattern);
        var binding = bundle.Extensions[DefinitionBundleConverter.BindingsExtensionKey]!["image"]![0]!;
        Assert.Equal("prompt", (string?)binding["inputKey"]);
    }

    [Fact]
    public void ToBundle_InvalidDefinition_ThrowsListingEveryProblem()
    {
        var definition = TwoNodes() with
        {
            Nodes = [.. TwoNodes().Nodes, new DagNodeDefinition { Id = "orphan", Tool = "", OutputPattern = "../x" }],
        };

        var error = Assert.Throws<DheeValidationException>(() => DefinitionBundleConverter.ToBundle(definition));

        Assert.Contains(error.Problems, p => p.Code == "definition.tool-missing");
        Assert.Contains(error.Problems, p => p.Code == "definition.output-unsafe");
        Assert.Contains(error.Problems, p => p.Code == "definition.goal-ambiguous");
    }

    [Fact]
    public void Validate_ListGapAndDuplicateHandle_AreReported()
    {
        var definition = new DagDefinition
        {
            Id = "d",
            Goal = "c",
            Nodes = [new DagNodeDefinition { Id = "a", Tool = "t" }, new DagNodeDefinition { Id = "c", Tool = "t", Inputs = [new DagPortDefinition { Key = "xs", IsList = true }] }],
            Edges =
            [
                new DagEdgeDefinition { Id = "e1", From = "a", To = "c", Bindings = [new("o", "xs[1]"), new("p", "xs[1]")] },
            ],
        };

        var problems = DefinitionValidator.Validate(definition);

        Assert.Contains(problems, p => p.Code == "definition.handle-bound");
        Assert.Contains(problems, p => p.Code == "definition.list-gap");
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData(".hidden")]
    public void Validate_NodeIdThatWouldBeAnUnsafeFileName_IsReported(string id)
    {
        var definition = new DagDefinition { Id = "d", Nodes = [new DagNodeDefinition { Id = id, Tool = "t" }] };

        Assert.Contains(DefinitionValidator.Validate(definition), p => p.Code == "definition.node-id-invalid");
    }
}
