using System.Text.Json.Nodes;
using Dhee.Comfy;
using Dhee.Testing.Comfy;

namespace Dhee.Tests.Comfy;

public sealed class ComfyWorkflowConverterTests
{
    private static readonly ComfyObjectInfo Info = new(LoopbackObjectInfo.Load());

    private const string TextToImageUi = """
        {
          "last_node_id": 17, "last_link_id": 20,
          "nodes": [
            {"id": 4, "type": "CheckpointLoaderSimple", "mode": 0, "inputs": [], "outputs": [{"name": "MODEL", "type": "MODEL", "links": [1]}, {"name": "CLIP", "type": "CLIP", "links": [2, 3]}, {"name": "VAE", "type": "VAE", "links": [8]}], "widgets_values": ["sd15.safetensors"]},
            {"id": 6, "type": "CLIPTextEncode", "mode": 0, "title": "Positive", "inputs": [{"name": "clip", "type": "CLIP", "link": 2}], "outputs": [{"name": "CONDITIONING", "type": "CONDITIONING", "links": [4]}], "widgets_values": ["a cat in a hat"]},
            {"id": 7, "type": "CLIPTextEncode", "mode": 0, "inputs": [{"name": "clip", "type": "CLIP", "link": 3}], "outputs": [{"name": "CONDITIONING", "type": "CONDITIONING", "links": [5]}], "widgets_values": ["blurry"]},
            {"id": 5, "type": "EmptyLatentImage", "mode": 0, "inputs": [], "outputs": [{"name": "LATENT", "type": "LATENT", "links": [6]}], "widgets_values": [512, 768, 1]},
            {"id": 3, "type": "KSampler", "mode": 0,
             "inputs": [{"name": "model", "type": "MODEL", "link": 1}, {"name": "positive", "type": "CONDITIONING", "link": 4}, {"name": "negative", "type": "CONDITIONING", "link": 5}, {"name": "latent_image", "type": "LATENT", "link": 6}, {"name": "seed", "type": "INT", "link": 14, "widget": {"name": "seed"}}],
             "outputs": [{"name": "LATENT", "type": "LATENT", "links": [7]}], "widgets_values": [42, "randomize", 20, 7.5, "euler", "normal", 1]},
            {"id": 8, "type": "VAEDecode", "mode": 0, "inputs": [{"name": "samples", "type": "LATENT", "link": 7}, {"name": "vae", "type": "VAE", "link": 8}], "outputs": [{"name": "IMAGE", "type": "IMAGE", "links": [9, 15]}], "widgets_values": []},
            {"id": 16, "type": "ImageInvert", "mode": 4, "inputs": [{"name": "image", "type": "IMAGE", "link": 9}], "outputs": [{"name": "IMAGE", "type": "IMAGE", "links": [10]}], "widgets_values": []},
            {"id": 13, "type": "Reroute", "mode": 0, "inputs": [{"name": "", "type": "*", "link": 10}], "outputs": [{"name": "", "type": "IMAGE", "links": [11]}]},
            {"id": 9, "type": "SaveImage", "mode": 0, "inputs": [{"name": "images", "type": "IMAGE", "link": 11}], "outputs": [], "widgets_values": ["tti"]},
            {"id": 15, "type": "PreviewImage", "mode": 2, "inputs": [{"name": "images", "type": "IMAGE", "link": 15}], "outputs": [], "widgets_values": []},
            {"id": 12, "type": "Note", "mode": 0, "inputs": [], "outputs": [], "widgets_values": ["remember to pick a model"]},
            {"id": 17, "type": "MarkdownNote", "mode": 0, "inputs": [], "outputs": [], "widgets_values": ["# hi"]},
            {"id": 14, "type": "PrimitiveNode", "mode": 0, "inputs": [], "outputs": [{"name": "INT", "type": "INT", "links": [14], "widget": {"name": "seed"}}], "widgets_values": [123456, "fixed"]}
          ],
          "links": [[1, 4, 0, 3, 0, "MODEL"], [2, 4, 1, 6, 0, "CLIP"], [3, 4, 1, 7, 0, "CLIP"], [4, 6, 0, 3, 1, "CONDITIONING"], [5, 7, 0, 3, 2, "CONDITIONING"],
                    [6, 5, 0, 3, 3, "LATENT"], [7, 3, 0, 8, 0, "LATENT"], [8, 4, 2, 8, 1, "VAE"], [9, 8, 0, 16, 0, "IMAGE"], [10, 16, 0, 13, 0, "IMAGE"],
                    [11, 13, 0, 9, 0, "IMAGE"], [14, 14, 0, 3, 4, "INT"], [15, 8, 0, 15, 0, "IMAGE"]],
          "groups": [], "extra": {}, "version": 0.4
        }
        """;

    [Fact]
    public void Convert_TextToImageUi_ProducesExpectedApiPrompt()
    {
        var ui = ComfyTestWorkflows.Parse(TextToImageUi);
        Assert.True(ComfyWorkflowConverter.IsUiFormat(ui));
        var result = ComfyWorkflowConverter.Convert(ui, Info);
        Assert.Empty(result.Diagnostics);
        var expected = ComfyTestWorkflows.Parse("""
            {
              "3": {"inputs": {"seed": 123456, "steps": 20, "cfg": 7.5, "sampler_name": "euler", "scheduler": "normal", "denoise": 1, "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0]}, "class_type": "KSampler", "_meta": {"title": "KSampler"}},
              "4": {"inputs": {"ckpt_name": "sd15.safetensors"}, "class_type": "CheckpointLoaderSimple", "_meta": {"title": "Load Checkpoint"}},
              "5": {"inputs": {"width": 512, "height": 768, "batch_size": 1}, "class_type": "EmptyLatentImage", "_meta": {"title": "Empty Latent Image"}},
              "6": {"inputs": {"text": "a cat in a hat", "clip": ["4", 1]}, "class_type": "CLIPTextEncode", "_meta": {"title": "Positive"}},
              "7": {"inputs": {"text": "blurry", "clip": ["4", 1]}, "class_type": "CLIPTextEncode", "_meta": {"title": "CLIP Text Encode (Prompt)"}},
              "8": {"inputs": {"samples": ["3", 0], "vae": ["4", 2]}, "class_type": "VAEDecode", "_meta": {"title": "VAE Decode"}},
              "9": {"inputs": {"filename_prefix": "tti", "images": ["8", 0]}, "class_type": "SaveImage", "_meta": {"title": "Save Image"}}
            }
            """);
        Assert.True(JsonNode.DeepEquals(expected, result.Prompt), result.Prompt.ToJsonString());
    }

    [Fact]
    public void Convert_ConvertedOutputRunsOnLoopbackValidation()
    {
        var result = ComfyWorkflowConverter.Convert(ComfyTestWorkflows.Parse(TextToImageUi), Info);
        var info = LoopbackObjectInfo.Load();
        info["CheckpointLoaderSimple"]!["input"]!["required"]!["ckpt_name"]![0] = new JsonArray("sd15.safetensors");
        Assert.Empty(ComfyPromptValidator.Validate(result.Prompt, new ComfyObjectInfo(info)));
    }

    [Fact]
    public void Convert_LoadImageUploadValueSkippedAndListLiteralWrapped()
    {
        var ui = ComfyTestWorkflows.Parse("""
            {"nodes": [
              {"id": 1, "type": "LoadImage", "mode": 0, "inputs": [], "outputs": [{"name": "IMAGE", "type": "IMAGE", "links": [1]}], "widgets_values": ["photo.png", "image"]},
              {"id": 2, "type": "SaveImage", "mode": 0, "inputs": [{"name": "images", "type": "IMAGE", "link": 1}], "outputs": [], "widgets_values": [["a", "b"]]}],
             "links": [[1, 1, 0, 2, 0, "IMAGE"]]}
            """);
        var result = ComfyWorkflowConverter.Convert(ui, Info);
        Assert.Empty(result.Diagnostics);
        Assert.Equal("{\"image\":\"photo.png\"}", result.Prompt["1"]!["inputs"]!.ToJsonString());
        Assert.Equal("{\"__value__\":[\"a\",\"b\"]}", result.Prompt["2"]!["inputs"]!["filename_prefix"]!.ToJsonString());
    }

    [Fact]
    public void Convert_WidgetCountMismatchOrShift_ReportsNodeAndWidget()
    {
        var ui = ComfyTestWorkflows.Parse("""
            {"nodes": [
              {"id": 5, "type": "EmptyLatentImage", "mode": 0, "inputs": [], "outputs": [], "widgets_values": [512, 512, 1, 99]},
              {"id": 3, "type": "KSampler", "mode": 0, "inputs": [], "outputs": [], "widgets_values": [1, 20, 7, "sgm_uniform_custom", "euler", "normal"]},
              {"id": 7, "type": "ImageScale", "mode": 0, "inputs": [], "outputs": [], "widgets_values": ["bilinear", 64]},
              {"id": 9, "type": "FancyCustomNode", "mode": 0, "inputs": [], "outputs": [], "widgets_values": [1]}],
             "links": []}
            """);
        var result = ComfyWorkflowConverter.Convert(ui, Info);
        var text = string.Join("\n", result.Diagnostics.Select(d => d.ToString()));
        Assert.Contains(result.Diagnostics, d => d.NodeId == "5" && d.Widget == "batch_size" && d.Message.Contains("1 more widget value", StringComparison.Ordinal));
        Assert.Contains(result.Diagnostics, d => d.NodeId == "3" && d.Widget == "sampler_name" && d.Message.Contains("shifted", StringComparison.Ordinal));
        Assert.Contains(result.Diagnostics, d => d.NodeId == "7" && d.Widget == "height" && !d.IsError);
        var error = Assert.Single(result.Errors);
        Assert.Equal("9", error.NodeId);
        Assert.Contains("node 9 (FancyCustomNode)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void DesignerGraph_ComfyNodes_ConvertWithSlotsFromMetadata()
    {
        var graph = ComfyTestWorkflows.Parse("""
            {"nodes": [
              {"id": "ckpt", "type": "comfy.CheckpointLoaderSimple", "properties": {"ckpt_name": "sd15.safetensors", "_comfy_metadata": {"outputs": [{"name": "MODEL"}, {"name": "CLIP"}, {"name": "VAE"}]}}},
              {"id": "pos", "type": "comfy.CLIPTextEncode", "data": {"text": "a cat", "workflow_id": "w1", "_comfy_metadata": {"outputs": [{"name": "CONDITIONING"}]}}},
              {"id": "save", "type": "comfy.SaveImage", "properties": {"filename_prefix": "g", "tags": ["x", "y"]}}],
             "edges": [{"source": "ckpt", "sourceHandle": "CLIP", "target": "pos", "targetHandle": "clip"}]}
            """);
        Assert.True(ComfyDesignerGraph.IsComfyGraph(graph));
        var prompt = ComfyDesignerGraph.ToApiPrompt(graph, out var errors);
        Assert.Empty(errors);
        Assert.Equal("[\"ckpt\",1]", prompt["pos"]!["inputs"]!["clip"]!.ToJsonString());
        Assert.Equal("CLIPTextEncode", prompt["pos"]!["class_type"]!.GetValue<string>());
        Assert.False(prompt["pos"]!["inputs"]!.AsObject().ContainsKey("workflow_id"));
        Assert.False(prompt["ckpt"]!["inputs"]!.AsObject().ContainsKey("_comfy_metadata"));
        Assert.Equal("{\"__value__\":[\"x\",\"y\"]}", prompt["save"]!["inputs"]!["tags"]!.ToJsonString());

        graph["edges"]!.AsArray().Add(new JsonObject { ["source"] = "ckpt", ["sourceHandle"] = "LATENT", ["target"] = "save", ["targetHandle"] = "images" });
        ComfyDesignerGraph.ToApiPrompt(graph, out var bad);
        Assert.Contains("no output named 'LATENT'", Assert.Single(bad), StringComparison.Ordinal);
        graph["nodes"]!.AsArray().Add(new JsonObject { ["id"] = "x", ["type"] = "llm.generate" });
        Assert.False(ComfyDesignerGraph.IsComfyGraph(graph));
    }
}
