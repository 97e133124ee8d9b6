using System.Text.Json.Nodes;
using Dhee.Cli.Commands;
using Dhee.Testing;
using Dhee.Testing.Comfy;

namespace Dhee.Tests.Commands;

public sealed class ComfyCommandTests
{
    [Fact]
    public async Task Ping_LoopbackServer_PrintsVersion()
    {
        await using var server = await LoopbackComfyServer.StartAsync();
        var result = await CliRun.InvokeAsync([ComfyCommand.Create()], "comfy", "ping", server.BaseUri.ToString(), "--json");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("0.3.18", JsonNode.Parse(result.Output)!["comfyuiVersion"]!.GetValue<string>());

        var down = await CliRun.InvokeAsync([ComfyCommand.Create()], "comfy", "ping", "http://127.0.0.1:9/");
        Assert.Equal(1, down.ExitCode);
        Assert.Contains("Cannot reach ComfyUI", down.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ObjectInfo_OneClass_PrintsIt()
    {
        await using var server = await LoopbackComfyServer.StartAsync();
        var result = await CliRun.InvokeAsync([ComfyCommand.Create()], "comfy", "object-info", server.BaseUri.ToString(), "--class", "ImageInvert");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("Invert Image", JsonNode.Parse(result.Output)!["ImageInvert"]!["display_name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Run_WorkflowWithManifest_DownloadsOutputsAndRejectedWorkflowPrintsNodeErrors()
    {
        await using var server = await LoopbackComfyServer.StartAsync();
        using var dir = new TestProjectDirectory("cli-comfy");
        var wf = dir.WriteFile("wf.json", """{"1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 0}}, "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "x"}}}""");
        var manifest = dir.WriteFile("wf.manifest.json", """{"parameterMappings": [{"input": "color", "nodeId": "1", "field": "color"}, {"input": "filenamePrefix", "nodeId": "2", "field": "filename_prefix"}]}""");
        var outDir = Path.Combine(dir.Path, "renders");
        var result = await CliRun.InvokeAsync([ComfyCommand.Create()], "comfy", "run", wf, "--endpoint", server.BaseUri.ToString(), "--manifest", manifest, "--set", "color=255", "--out", outDir);
        Assert.True(result.ExitCode == 0, result.Error);
        var file = Assert.Single(Directory.GetFiles(outDir));
        Assert.True(new FileInfo(file).Length > 0);

        var bad = await CliRun.InvokeAsync([ComfyCommand.Create()], "comfy", "run", wf, "--endpoint", server.BaseUri.ToString(), "--manifest", manifest, "--set", "color=-5");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("node 1 (EmptyImage) input 'color': value_smaller_than_min", bad.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Convert_UiWorkflowWithObjectInfoFile_PrintsApiJson()
    {
        using var dir = new TestProjectDirectory("cli-convert");
        var info = dir.WriteFile("object_info.json", LoopbackObjectInfo.Load().ToJsonString());
        var ui = dir.WriteFile("ui.json", """
            {"nodes": [
              {"id": 1, "type": "EmptyImage", "mode": 0, "inputs": [], "outputs": [{"name": "IMAGE", "type": "IMAGE", "links": [1]}], "widgets_values": [8, 8, 1, 0]},
              {"id": 2, "type": "SaveImage", "mode": 0, "inputs": [{"name": "images", "type": "IMAGE", "link": 1}], "outputs": [], "widgets_values": ["ComfyUI"]}],
             "links": [[1, 1, 0, 2, 0, "IMAGE"]]}
            """);
        var result = await CliRun.InvokeAsync([ComfyCommand.Create()], "comfy", "convert", ui, "--object-info", info);
        Assert.Equal(0, result.ExitCode);
        var api = JsonNode.Parse(result.Output)!;
        Assert.Equal("[\"1\",0]", api["2"]!["inputs"]!["images"]!.ToJsonString());
        Assert.Equal(8, api["1"]!["inputs"]!["width"]!.GetValue<int>());
    }
}
