using System.Text.Json;
using System.Text.Json.Nodes;
using Dhee.Bundles;
using Dhee.Testing;
using Dhee.Validation;

namespace Dhee.Tests.Bundles;

/// <summary>A valid three-node bundle in a temp folder (with its prompt, schema and workflow files) that tests break one rule at a time.</summary>
internal sealed class BundleFixture : IDisposable
{
    public const string ValidJson = """
        {
          "id": "demo",
          "version": "0.1.0",
          "engineCompat": ">=0.1.0",
          "dependencies": { "runners": { "llm.generate": ">=0.1.0" }, "runnerPackages": { "comfy.tti": "Dhee.Runner.Comfy" } },
          "inputs": [ { "id": "topic", "kind": "file", "path": "inputs/topic.md" } ],
          "goal": "final",
          "nodes": [
            { "id": "plan", "kind": "stage", "inputs": [ { "from": "topic", "usage": "context" } ],
              "outputs": { "format": "json", "pattern": "plans/plan.json" },
              "runner": { "tool": "llm.generate", "config": { "promptTemplate": "prompts/plan.md", "outputSchema": "schemas/plan.schema.json" } } },
            { "id": "image", "kind": "collection", "itemSource": "plan", "itemKey": "beats",
              "inputs": [ { "from": "plan", "scope": "matching" } ],
              "outputs": { "format": "image", "pattern": "assets/{{item_id}}.png" },
              "runner": { "tool": "comfy.tti", "config": { "workflowPath": "workflows/tti.json", "width": 1280 } } },
            { "id": "final", "kind": "stage", "inputs": [ { "from": "image", "scope": "all" } ],
              "outputs": { "format": "video", "pattern": "final.mp4" },
              "runner": { "tool": "ffmpeg.concat", "config": {} } }
          ]
        }
        """;

    private readonly TestProjectDirectory _dir = new("dhee-bundle");

    public BundleFixture()
    {
        _dir.WriteFile("prompts/plan.md", "Plan a video about {{topic}}.");
        _dir.WriteFile("schemas/plan.schema.json", """{"type":"object"}""");
        _dir.WriteFile("workflows/tti.json", "{}");
        Json = JsonNode.Parse(ValidJson)!.AsObject();
    }

    public string Dir => _dir.Path;

    public string BundleFile => System.IO.Path.Combine(_dir.Path, BundleLoader.BundleFileName);

    public JsonObject Json { get; }

    public JsonObject Node(int i) => Json["nodes"]![i]!.AsObject();

    public JsonObject Input(int node, int input) => Node(node)["inputs"]![input]!.AsObject();

    public BundleLoadResult Load()
    {
        File.WriteAllText(BundleFile, Json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return BundleLoader.TryLoad(_dir.Path);
    }

    public BundleLoadResult LoadRaw(string text)
    {
        File.WriteAllText(BundleFile, text);
        return BundleLoader.TryLoad(_dir.Path);
    }

    /// <summary>Loads and asserts exactly one problem with the given code, naming bundle.json and the given JSON path.</summary>
    public ValidationProblem LoadExpectingOne(string code, string jsonPath)
    {
        var result = Load();
        Assert.False(result.Success);
        Assert.Null(result.Bundle);
        var problem = Assert.Single(result.Problems);
        Assert.Equal(code, problem.Code);
        Assert.Equal(jsonPath, problem.JsonPath);
        Assert.Equal(BundleFile, problem.File);
        Assert.NotNull(problem.Line);
        Assert.NotNull(problem.Fix);
        var text = problem.ToString();
        Assert.Contains("bundle.json", text, StringComparison.Ordinal);
        Assert.Contains(jsonPath, text, StringComparison.Ordinal);
        return problem;
    }

    public void Dispose() => _dir.Dispose();
}
