using System.Text.Json.Nodes;
using Dhee.Comfy;
using Dhee.Comfy.Runners;
using Dhee.Endpoints;
using Dhee.Inputs;
using Dhee.Testing;
using Dhee.Testing.Comfy;

namespace Dhee.Tests.Comfy;

public sealed class ComfyRunnersTests : IDisposable
{
    private readonly TestProjectDirectory _project = new("comfy-runners");

    public void Dispose() => _project.Dispose();

    [Fact]
    public async Task ComfyWorkflow_UiFormatWorkflowAndManifest_ConvertedAndRunOnLoopback()
    {
        await using var server = await LoopbackComfyServer.StartAsync();
        var bundle = Path.Combine(_project.Path, "bundle");
        Directory.CreateDirectory(Path.Combine(bundle, "wf"));
        await File.WriteAllTextAsync(Path.Combine(bundle, "wf", "invert.json"), """
            {"nodes": [
              {"id": 1, "type": "EmptyImage", "mode": 0, "inputs": [], "outputs": [{"name": "IMAGE", "type": "IMAGE", "links": [1]}], "widgets_values": [8, 8, 1, 0]},
              {"id": 2, "type": "ImageInvert", "mode": 0, "inputs": [{"name": "image", "type": "IMAGE", "link": 1}], "outputs": [{"name": "IMAGE", "type": "IMAGE", "links": [2]}]},
              {"id": 3, "type": "SaveImage", "mode": 0, "inputs": [{"name": "images", "type": "IMAGE", "link": 2}], "outputs": [], "widgets_values": ["ComfyUI"]}],
             "links": [[1, 1, 0, 2, 0, "IMAGE"], [2, 2, 0, 3, 0, "IMAGE"]]}
            """);
        await File.WriteAllTextAsync(Path.Combine(bundle, "wf", "invert.manifest.json"), """
            {"parameterMappings": [{"input": "color", "nodeId": "1", "field": "color"}, {"input": "filenamePrefix", "nodeId": "3", "field": "filename_prefix"}],
             "inputRequirements": [{"id": "color", "type": "number", "required": true}]}
            """);
        var options = new EndpointOptions();
        options.Endpoints["loop"] = new EndpointDefinition { Url = server.BaseUri.ToString() };
        var runner = new ComfyWorkflowRunner(new ComfyExecutor(new ComfyClientFactory(), new EndpointResolver(options, _ => null)));
        var config = new JsonObject { ["workflowPath"] = "wf/invert.json", ["manifestPath"] = "wf/invert.manifest.json", ["endpoint"] = "loop" };

        var missing = await runner.RunAsync(ComfyRunnerTestKit.Context(_project.Path, ComfyWorkflowRunner.Tool, config, bundleDir: bundle));
        Assert.Contains("'color'", missing.Error!.Message, StringComparison.Ordinal);
        Assert.Equal(0, server.AcceptedPrompts);

        var result = await runner.RunAsync(ComfyRunnerTestKit.Context(_project.Path, ComfyWorkflowRunner.Tool, config, bundleDir: bundle, inputs: [new("color", new TextInputValue("255"))]));
        Assert.True(result.IsSuccess, result.Error?.Message);
        Assert.True(new FileInfo(Path.Combine(_project.Path, "out", "img.png")).Length > 0);
        Assert.Equal(1, server.AcceptedPrompts);
    }

    [Fact]
    public async Task ComfyGraph_DesignerGraph_RoutedToConfiguredEndpoint()
    {
        var stub = new StubComfyClient();
        var factory = new StubComfyClientFactory(stub);
        var env = new Dictionary<string, string?> { ["ENDPOINT_STUDIO"] = "http://studio:8188" };
        var runner = new ComfyGraphRunner(new ComfyExecutor(factory, new EndpointResolver(null, n => env.GetValueOrDefault(n))));
        var graph = ComfyTestWorkflows.Parse("""
            {"nodes": [
              {"id": "e", "type": "comfy.EmptyImage", "properties": {"width": 8, "height": 8, "batch_size": 1, "color": 0, "_comfy_metadata": {"outputs": [{"name": "IMAGE"}]}}},
              {"id": "s", "type": "comfy.SaveImage", "properties": {"filename_prefix": "g"}}],
             "edges": [{"source": "e", "sourceHandle": "IMAGE", "target": "s", "targetHandle": "images"}]}
            """);
        var result = await runner.RunAsync(ComfyRunnerTestKit.Context(_project.Path, ComfyGraphRunner.Tool, new JsonObject { ["graph"] = graph, ["endpoint"] = "studio" }));
        Assert.True(result.IsSuccess, result.Error?.Message);
        Assert.Equal("http://studio:8188", Assert.Single(factory.RequestedEndpoints).Definition.Url);
        Assert.Equal("[\"e\",0]", stub.SubmittedPrompts.Single()["s"]!["inputs"]!["images"]!.ToJsonString());

        var bad = await runner.RunAsync(ComfyRunnerTestKit.Context(_project.Path, ComfyGraphRunner.Tool, new JsonObject { ["graph"] = new JsonObject { ["nodes"] = new JsonArray(new JsonObject { ["id"] = "x", ["type"] = "llm.generate" }) } }));
        Assert.Contains("only comfy.", bad.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_RunnersExposeIdsAndSchemas()
    {
        Assert.Equal("comfy.workflow", new ComfyWorkflowRunner().Describe().Id);
        Assert.Equal("comfy.tti", new ComfyTtiRunner().Describe().Id);
        Assert.Equal("comfy.graph", new ComfyGraphRunner().Describe().Id);
        Assert.Equal("comfy.tti", ComfyTtiRunner.Manifest.Tool);
        Assert.Contains("workflowPath", new ComfyWorkflowRunner().Describe().ConfigSchema["required"]!.ToJsonString(), StringComparison.Ordinal);
    }
}
