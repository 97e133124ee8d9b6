using System.Text.Json.Nodes;
using Dhee.Comfy;
using Dhee.Testing.Comfy;

namespace Dhee.Tests.Comfy;

/// <summary>UI → API conversion of subgraphs (<c>definitions.subgraphs</c>) and legacy group nodes (<c>extra.groupNodes</c>).</summary>
public sealed class ComfyWorkflowConverterContainerTests
{
    private const string SubgraphId = "a1b2c3d4-0000-4000-8000-000000000001";

    private static readonly ComfyObjectInfo Info = new(LoopbackObjectInfo.Load());

    // A subgraph "Encode and sample" whose link ids (1, 2, 7, 8, 9) reuse the outer graph's, fed a model and a clip from
    // outside, with the prompt text and the seed promoted to widgets on the instance.
    private const string SubgraphUi = """
        {
          "last_node_id": 10, "last_link_id": 9,
          "nodes": [
            {"id": 4, "type": "CheckpointLoaderSimple", "mode": 0, "inputs": [], "outputs": [{"name": "MODEL", "type": "MODEL", "links": [1]}, {"name": "CLIP", "type": "CLIP", "links": [2]}, {"name": "VAE", "type": "VAE", "links": [8]}], "widgets_values": ["sd15.safetensors"]},
            {"id": 10, "type": "@@SG@@", "mode": 0,
             "inputs": [{"name": "model", "type": "MODEL", "link": 1}, {"name": "clip", "type": "CLIP", "link": 2},
                        {"name": "text", "type": "STRING", "link": null, "widget": {"name": "text"}}, {"name": "seed", "type": "INT", "link": null, "widget": {"name": "seed"}}],
             "outputs": [{"name": "LATENT", "type": "LATENT", "links": [7]}],
             "widgets_values": ["a fox in snow", 77, "fixed"]},
            {"id": 8, "type": "VAEDecode", "mode": 0, "inputs": [{"name": "samples", "type": "LATENT", "link": 7}, {"name": "vae", "type": "VAE", "link": 8}], "outputs": [{"name": "IMAGE", "type": "IMAGE", "links": [9]}], "widgets_values": []},
            {"id": 9, "type": "SaveImage", "mode": 0, "inputs": [{"name": "images", "type": "IMAGE", "link": 9}], "outputs": [], "widgets_values": ["fox"]}
          ],
          "links": [[1, 4, 0, 10, 0, "MODEL"], [2, 4, 1, 10, 1, "CLIP"], [7, 10, 0, 8, 0, "LATENT"], [8, 4, 2, 8, 1, "VAE"], [9, 8, 0, 9, 0, "IMAGE"]],
          "definitions": {"subgraphs": [{
            "id": "@@SG@@", "name": "Encode and sample", "version": 1,
            "inputNode": {"id": -10}, "outputNode": {"id": -20},
            "inputs": [{"name": "model", "type": "MODEL", "linkIds": [1]}, {"name": "clip", "type": "CLIP", "linkIds": [2, 3]},
                       {"name": "text", "type": "STRING", "linkIds": [4]}, {"name": "seed", "type": "INT", "linkIds": [5]}],
            "outputs": [{"name": "LATENT", "type": "LATENT", "linkIds": [9]}],
            "nodes": [
              {"id": 1, "type": "CLIPTextEncode", "mode": 0, "title": "Positive", "inputs": [{"name": "clip", "type": "CLIP", "link": 2}, {"name": "text", "type": "STRING", "link": 4, "widget": {"name": "text"}}], "outputs": [{"name": "CONDITIONING", "type": "CONDITIONING", "links": [6]}], "widgets_values": ["placeholder"]},
              {"id": 2, "type": "CLIPTextEncode", "mode": 0, "inputs": [{"name": "clip", "type": "CLIP", "link": 3}], "outputs": [{"name": "CONDITIONING", "type": "CONDITIONING", "links": [7]}], "widgets_values": ["blurry"]},
              {"id": 3, "type": "EmptyLatentImage", "mode": 0, "inputs": [], "outputs": [{"name": "LATENT", "type": "LATENT", "links": [8]}], "widgets_values": [512, 512, 1]},
              {"id": 5, "type": "KSampler", "mode": 0,
               "inputs": [{"name": "model", "type": "MODEL", "link": 1}, {"name": "positive", "type": "CONDITIONING", "link": 6}, {"name": "negative", "type": "CONDITIONING", "link": 7}, {"name": "latent_image", "type": "LATENT", "link": 8}, {"name": "seed", "type": "INT", "link": 5, "widget": {"name": "seed"}}],
               "outputs": [{"name": "LATENT", "type": "LATENT", "links": [9]}], "widgets_values": [1, "randomize", 20, 7.0, "euler", "normal", 1.0]}
            ],
            "links": [
              {"id": 1, "origin_id": -10, "origin_slot": 0, "target_id": 5, "target_slot": 0, "type": "MODEL"},
              {"id": 2, "origin_id": -10, "origin_slot": 1, "target_id": 1, "target_slot": 0, "type": "CLIP"},
              {"id": 3, "origin_id": -10, "origin_slot": 1, "target_id": 2, "target_slot": 0, "type": "CLIP"},
              {"id": 4, "origin_id": -10, "origin_slot": 2, "target_id": 1, "target_slot": 1, "type": "STRING"},
              {"id": 5, "origin_id": -10, "origin_slot": 3, "target_id": 5, "target_slot": 4, "type": "INT"},
              {"id": 6, "origin_id": 1, "origin_slot": 0, "target_id": 5, "target_slot": 1, "type": "CONDITIONING"},
              {"id": 7, "origin_id": 2, "origin_slot": 0, "target_id": 5, "target_slot": 2, "type": "CONDITIONING"},
              {"id": 8, "origin_id": 3, "origin_slot": 0, "target_id": 5, "target_slot": 3, "type": "LATENT"},
              {"id": 9, "origin_id": 5, "origin_slot": 0, "target_id": -20, "target_slot": 0, "type": "LATENT"}
            ]
          }]},
          "version": 0.4
        }
        """;

    // A legacy group node "Sampler group" (EmptyLatentImage feeding a KSampler inside), fed model and conditionings from outside.
    private const string GroupNodeUi = """
        {
          "nodes": [
            {"id": 4, "type": "CheckpointLoaderSimple", "mode": 0, "inputs": [], "outputs": [{"name": "MODEL", "type": "MODEL", "links": [1]}, {"name": "CLIP", "type": "CLIP", "links": [2, 3]}, {"name": "VAE", "type": "VAE", "links": [8]}], "widgets_values": ["sd15.safetensors"]},
            {"id": 6, "type": "CLIPTextEncode", "mode": 0, "inputs": [{"name": "clip", "type": "CLIP", "link": 2}], "outputs": [{"name": "CONDITIONING", "type": "CONDITIONING", "links": [4]}], "widgets_values": ["a lighthouse"]},
            {"id": 7, "type": "CLIPTextEncode", "mode": 0, "inputs": [{"name": "clip", "type": "CLIP", "link": 3}], "outputs": [{"name": "CONDITIONING", "type": "CONDITIONING", "links": [5]}], "widgets_values": ["fog"]},
            {"id": 12, "type": "workflow>Sampler group", "mode": 0,
             "inputs": [{"name": "model", "type": "MODEL", "link": 1}, {"name": "positive", "type": "CONDITIONING", "link": 4}, {"name": "negative", "type": "CONDITIONING", "link": 5}],
             "outputs": [{"name": "LATENT", "type": "LATENT", "links": [7]}],
             "widgets_values": [768, 512, 1, 99, "fixed", 25, 6.5, "euler", "karras", 1]},
            {"id": 8, "type": "VAEDecode", "mode": 0, "inputs": [{"name": "samples", "type": "LATENT", "link": 7}, {"name": "vae", "type": "VAE", "link": 8}], "outputs": [{"name": "IMAGE", "type": "IMAGE", "links": [9]}], "widgets_values": []},
            {"id": 9, "type": "SaveImage", "mode": 0, "inputs": [{"name": "images", "type": "IMAGE", "link": 9}], "outputs": [], "widgets_values": ["lighthouse"]}
          ],
          "links": [[1, 4, 0, 12, 0, "MODEL"], [2, 4, 1, 6, 0, "CLIP"], [3, 4, 1, 7, 0, "CLIP"], [4, 6, 0, 12, 1, "CONDITIONING"], [5, 7, 0, 12, 2, "CONDITIONING"],
                    [7, 12, 0, 8, 0, "LATENT"], [8, 4, 2, 8, 1, "VAE"], [9, 8, 0, 9, 0, "IMAGE"]],
          "extra": {"groupNodes": {"Sampler group": {
            "nodes": [
              {"index": 0, "type": "EmptyLatentImage", "inputs": [], "outputs": [{"name": "LATENT", "type": "LATENT", "links": []}], "widgets_values": [512, 512, 1]},
              {"index": 1, "type": "KSampler",
               "inputs": [{"name": "model", "type": "MODEL", "link": null}, {"name": "positive", "type": "CONDITIONING", "link": null}, {"name": "negative", "type": "CONDITIONING", "link": null}, {"name": "latent_image", "type": "LATENT", "link": null}],
               "outputs": [{"name": "LATENT", "type": "LATENT", "links": []}], "widgets_values": [1, "randomize", 20, 8, "euler", "normal", 1]}
            ],
            "links": [[0, 0, 1, 3, 5, "LATENT"]],
            "external": [[1, 0, "LATENT"]]
          }}},
          "version": 0.4
        }
        """;

    private static ComfyObjectInfo InfoWithModel()
    {
        var info = LoopbackObjectInfo.Load();
        info["CheckpointLoaderSimple"]!["input"]!["required"]!["ckpt_name"]![0] = new JsonArray("sd15.safetensors");
        return new ComfyObjectInfo(info);
    }

    private static JsonObject Ui(string json) => ComfyTestWorkflows.Parse(json.Replace("@@SG@@", SubgraphId, StringComparison.Ordinal));

    [Fact]
    public void Convert_Subgraph_InnerNodesPrefixedBoundaryLinksRewiredPromotedWidgetsApplied()
    {
        var result = ComfyWorkflowConverter.Convert(Ui(SubgraphUi), Info);
        Assert.Empty(result.Diagnostics);
        var expected = ComfyTestWorkflows.Parse("""
            {
              "4": {"inputs": {"ckpt_name": "sd15.safetensors"}, "class_type": "CheckpointLoaderSimple", "_meta": {"title": "Load Checkpoint"}},
              "8": {"inputs": {"samples": ["10:5", 0], "vae": ["4", 2]}, "class_type": "VAEDecode", "_meta": {"title": "VAE Decode"}},
              "9": {"inputs": {"filename_prefix": "fox", "images": ["8", 0]}, "class_type": "SaveImage", "_meta": {"title": "Save Image"}},
              "10:1": {"inputs": {"text": "a fox in snow", "clip": ["4", 1]}, "class_type": "CLIPTextEncode", "_meta": {"title": "Positive"}},
              "10:2": {"inputs": {"text": "blurry", "clip": ["4", 1]}, "class_type": "CLIPTextEncode", "_meta": {"title": "CLIP Text Encode (Prompt)"}},
              "10:3": {"inputs": {"width": 512, "height": 512, "batch_size": 1}, "class_type": "EmptyLatentImage", "_meta": {"title": "Empty Latent Image"}},
              "10:5": {"inputs": {"seed": 77, "steps": 20, "cfg": 7.0, "sampler_name": "euler", "scheduler": "normal", "denoise": 1.0, "model": ["4", 0], "positive": ["10:1", 0], "negative": ["10:2", 0], "latent_image": ["10:3", 0]}, "class_type": "KSampler", "_meta": {"title": "KSampler"}}
            }
            """);
        Assert.True(JsonNode.DeepEquals(expected, result.Prompt), result.Prompt.ToJsonString());
        Assert.Empty(ComfyPromptValidator.Validate(result.Prompt, InfoWithModel()));
    }

    [Fact]
    public void Convert_SubgraphWithoutPromotedValues_InnerWidgetsKeepTheirOwnValues()
    {
        var ui = Ui(SubgraphUi);
        ui["nodes"]![1]!.AsObject().Remove("widgets_values");
        var result = ComfyWorkflowConverter.Convert(ui, Info);
        Assert.Empty(result.Diagnostics);
        Assert.Equal("placeholder", result.Prompt["10:1"]!["inputs"]!["text"]!.GetValue<string>());
        Assert.Equal(1, result.Prompt["10:5"]!["inputs"]!["seed"]!.GetValue<int>());
        Assert.Empty(ComfyPromptValidator.Validate(result.Prompt, InfoWithModel()));
    }

    [Fact]
    public async Task Convert_Subgraph_ConvertedPromptRunsOnTheLoopbackServer()
    {
        var options = new LoopbackComfyServerOptions();
        options.Models["checkpoints"] = ["sd15.safetensors"];
        await using var server = await LoopbackComfyServer.StartAsync(options);
        await using var client = new ComfyClient(new HttpClient(), new ComfyClientOptions { BaseUrl = server.BaseUri, OverallTimeout = TimeSpan.FromSeconds(60) });
        var result = ComfyWorkflowConverter.Convert(Ui(SubgraphUi), await client.GetObjectInfoAsync(refresh: true));
        Assert.Empty(result.Diagnostics);
        var run = await client.RunAsync(result.Prompt, new ComfySubmitOptions { ValidateFirst = true });
        Assert.True(run.IsSuccess, run.Message);
        Assert.Equal("9", Assert.Single(run.Files).NodeId);
    }

    [Fact]
    public void Convert_NestedSubgraphsAndProxyWidgets_IdsChainAndValuesReachInnerNodes()
    {
        var ui = ComfyTestWorkflows.Parse("""
            {
              "nodes": [
                {"id": 20, "type": "11111111-1111-4111-8111-111111111111", "mode": 0, "inputs": [], "outputs": [{"name": "IMAGE", "type": "IMAGE", "links": [1]}],
                 "properties": {"proxyWidgets": [["1", "width"], ["1", "height"]]}, "widgets_values": [64, 32]},
                {"id": 21, "type": "SaveImage", "mode": 0, "inputs": [{"name": "images", "type": "IMAGE", "link": 1}], "outputs": [], "widgets_values": ["nested"]}
              ],
              "links": [[1, 20, 0, 21, 0, "IMAGE"]],
              "definitions": {"subgraphs": [
                {"id": "11111111-1111-4111-8111-111111111111", "name": "Make and invert", "inputs": [], "outputs": [{"name": "IMAGE", "type": "IMAGE", "linkIds": [3]}],
                 "nodes": [
                   {"id": 1, "type": "EmptyImage", "mode": 0, "inputs": [], "outputs": [{"name": "IMAGE", "type": "IMAGE", "links": [2]}], "widgets_values": [512, 512, 1, 0]},
                   {"id": 2, "type": "22222222-2222-4222-8222-222222222222", "mode": 0, "inputs": [{"name": "image", "type": "IMAGE", "link": 2}], "outputs": [{"name": "IMAGE", "type": "IMAGE", "links": [3]}]}
                 ],
                 "links": [[2, 1, 0, 2, 0, "IMAGE"], [3, 2, 0, -20, 0, "IMAGE"]]},
                {"id": "22222222-2222-4222-8222-222222222222", "name": "Invert", "inputs": [{"name": "image", "type": "IMAGE", "linkIds": [1]}], "outputs": [{"name": "IMAGE", "type": "IMAGE", "linkIds": [2]}],
                 "nodes": [{"id": 1, "type": "ImageInvert", "mode": 0, "inputs": [{"name": "image", "type": "IMAGE", "link": 1}], "outputs": [{"name": "IMAGE", "type": "IMAGE", "links": [2]}]}],
                 "links": [[1, -10, 0, 1, 0, "IMAGE"], [2, 1, 0, -20, 0, "IMAGE"]]}
              ]}
            }
            """);
        var result = ComfyWorkflowConverter.Convert(ui, Info);
        Assert.Empty(result.Diagnostics);
        Assert.Equal(["20:1", "20:2:1", "21"], result.Prompt.Select(p => p.Key).ToArray());
        Assert.Equal("{\"width\":64,\"height\":32,\"batch_size\":1,\"color\":0}", result.Prompt["20:1"]!["inputs"]!.ToJsonString());
        Assert.Equal("[\"20:1\",0]", result.Prompt["20:2:1"]!["inputs"]!["image"]!.ToJsonString());
        Assert.Equal("[\"20:2:1\",0]", result.Prompt["21"]!["inputs"]!["images"]!.ToJsonString());
        Assert.Empty(ComfyPromptValidator.Validate(result.Prompt, Info));
    }

    [Fact]
    public void Convert_MutedOrBypassedSubgraphInstance_DroppedOrPassedThrough()
    {
        var ui = ComfyTestWorkflows.Parse("""
            {
              "nodes": [
                {"id": 1, "type": "EmptyImage", "mode": 0, "inputs": [], "outputs": [{"name": "IMAGE", "type": "IMAGE", "links": [1]}], "widgets_values": [8, 8, 1, 0]},
                {"id": 2, "type": "22222222-2222-4222-8222-222222222222", "mode": 4, "inputs": [{"name": "image", "type": "IMAGE", "link": 1}], "outputs": [{"name": "IMAGE", "type": "IMAGE", "links": [2]}]},
                {"id": 3, "type": "SaveImage", "mode": 0, "inputs": [{"name": "images", "type": "IMAGE", "link": 2}], "outputs": [], "widgets_values": ["x"]}
              ],
              "links": [[1, 1, 0, 2, 0, "IMAGE"], [2, 2, 0, 3, 0, "IMAGE"]],
              "definitions": {"subgraphs": [
                {"id": "22222222-2222-4222-8222-222222222222", "name": "Invert", "inputs": [{"name": "image", "type": "IMAGE", "linkIds": [1]}], "outputs": [{"name": "IMAGE", "type": "IMAGE", "linkIds": [2]}],
                 "nodes": [{"id": 1, "type": "ImageInvert", "mode": 0, "inputs": [{"name": "image", "type": "IMAGE", "link": 1}], "outputs": [{"name": "IMAGE", "type": "IMAGE", "links": [2]}]}],
                 "links": [[1, -10, 0, 1, 0, "IMAGE"], [2, 1, 0, -20, 0, "IMAGE"]]}
              ]}
            }
            """);
        var bypassed = ComfyWorkflowConverter.Convert(ui, Info);
        Assert.Empty(bypassed.Diagnostics);
        Assert.Equal(["1", "3"], bypassed.Prompt.Select(p => p.Key).ToArray());
        Assert.Equal("[\"1\",0]", bypassed.Prompt["3"]!["inputs"]!["images"]!.ToJsonString());

        ui["nodes"]![1]!["mode"] = 2;
        var muted = ComfyWorkflowConverter.Convert(ui, Info);
        Assert.Equal(["1", "3"], muted.Prompt.Select(p => p.Key).ToArray());
        Assert.Contains(muted.Diagnostics, d => d.NodeId == "3" && d.Widget == "images" && d.Message.Contains("muted or missing", StringComparison.Ordinal));
    }

    [Fact]
    public void Convert_GroupNode_ExpandedWithIndexIdsInstanceInputsAndWidgetValues()
    {
        var result = ComfyWorkflowConverter.Convert(ComfyTestWorkflows.Parse(GroupNodeUi), Info);
        Assert.Empty(result.Diagnostics);
        Assert.Equal(["4", "6", "7", "8", "9", "12:0", "12:1"], result.Prompt.Select(p => p.Key).ToArray());
        Assert.Equal("{\"width\":768,\"height\":512,\"batch_size\":1}", result.Prompt["12:0"]!["inputs"]!.ToJsonString());
        var sampler = ComfyTestWorkflows.Parse("""
            {"seed": 99, "steps": 25, "cfg": 6.5, "sampler_name": "euler", "scheduler": "karras", "denoise": 1,
             "latent_image": ["12:0", 0], "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0]}
            """);
        Assert.True(JsonNode.DeepEquals(sampler, result.Prompt["12:1"]!["inputs"]), result.Prompt["12:1"]!.ToJsonString());
        Assert.Equal("KSampler", result.Prompt["12:1"]!["class_type"]!.GetValue<string>());
        Assert.Equal("[\"12:1\",0]", result.Prompt["8"]!["inputs"]!["samples"]!.ToJsonString());
        Assert.Empty(ComfyPromptValidator.Validate(result.Prompt, InfoWithModel()));
    }

    [Fact]
    public void Convert_GroupNodeThatCannotBeLaidOut_FailsNamingTheNodeAndTheFix()
    {
        var renamed = ComfyTestWorkflows.Parse(GroupNodeUi);
        renamed["nodes"]![3]!["inputs"]![0]!["name"] = "Sampler model";
        var mismatch = ComfyWorkflowConverter.Convert(renamed, Info);
        var error = Assert.Single(mismatch.Errors);
        Assert.Equal("12", error.NodeId);
        Assert.Equal("Sampler model", error.Widget);
        Assert.Contains("Convert to nodes", error.Message, StringComparison.Ordinal);

        var unknown = ComfyTestWorkflows.Parse(GroupNodeUi);
        unknown["extra"]!["groupNodes"]!["Sampler group"]!["nodes"]![0]!["type"] = "FancyLatent";
        var failed = ComfyWorkflowConverter.Convert(unknown, Info);
        error = Assert.Single(failed.Errors);
        Assert.Equal("12", error.NodeId);
        Assert.Contains("FancyLatent", error.Message, StringComparison.Ordinal);
        Assert.Contains("ungroup", error.Message, StringComparison.Ordinal);

        var lost = ComfyTestWorkflows.Parse(GroupNodeUi);
        lost["extra"] = new JsonObject();
        error = Assert.Single(ComfyWorkflowConverter.Convert(lost, Info).Errors);
        Assert.Equal("12", error.NodeId);
        Assert.Contains("extra.groupNodes has no definition named 'Sampler group'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Convert_SubgraphDefinitionMissingOrSelfNested_FailsNamingTheNode()
    {
        var missing = Ui(SubgraphUi);
        missing.Remove("definitions");
        var error = Assert.Single(ComfyWorkflowConverter.Convert(missing, Info).Errors);
        Assert.Equal("10", error.NodeId);
        Assert.Contains("definitions.subgraphs", error.Message, StringComparison.Ordinal);

        var selfNested = Ui(SubgraphUi);
        var definition = selfNested["definitions"]!["subgraphs"]![0]!.AsObject();
        definition["nodes"]!.AsArray().Add(new JsonObject { ["id"] = 30, ["type"] = SubgraphId, ["mode"] = 0, ["inputs"] = new JsonArray(), ["outputs"] = new JsonArray() });
        var nested = ComfyWorkflowConverter.Convert(selfNested, Info);
        Assert.Contains(nested.Errors, e => e.NodeId == "10:30" && e.Message.Contains("nests itself", StringComparison.Ordinal));
    }
}
