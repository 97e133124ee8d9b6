using System.Text.Json.Nodes;

namespace Dhee.Tests.Comfy;

internal static class ComfyTestWorkflows
{
    public static JsonObject Simple(string prefix = "simple", int color = 0) => Parse((("""
        {"1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": @@color@@}},
         "2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}},
         "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "@@prefix@@"}}}
        """).Replace("@@color@@", (color).ToString(), StringComparison.Ordinal)).Replace("@@prefix@@", (prefix).ToString(), StringComparison.Ordinal));

    public static JsonObject TextToImage(string ckpt = "sd15.safetensors", string prompt = "a cat", long seed = 1, int steps = 3) => Parse((((("""
        {"4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "@@ckpt@@"}},
         "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "@@prompt@@", "clip": ["4", 1]}},
         "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry", "clip": ["4", 1]}},
         "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512, "batch_size": 1}},
         "3": {"class_type": "KSampler", "inputs": {"seed": @@seed@@, "steps": @@steps@@, "cfg": 7.0, "sampler_name": "euler", "scheduler": "normal", "denoise": 1.0, "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0]}},
         "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
         "9": {"class_type": "SaveImage", "inputs": {"images": ["8", 0], "filename_prefix": "tti"}}}
        """).Replace("@@ckpt@@", (ckpt).ToString(), StringComparison.Ordinal)).Replace("@@prompt@@", (prompt).ToString(), StringComparison.Ordinal)).Replace("@@seed@@", (seed).ToString(), StringComparison.Ordinal)).Replace("@@steps@@", (steps).ToString(), StringComparison.Ordinal));

    public static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();
}
