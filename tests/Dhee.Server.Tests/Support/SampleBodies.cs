using System.Text.Json.Nodes;

namespace Dhee.Tests.Support;

/// <summary>Request bodies used by the HTTP tests.</summary>
internal static class SampleBodies
{
    public static JsonObject ThreeNodes() => new()
    {
        ["id"] = "demo",
        ["displayName"] = "Demo pipeline",
        ["nodes"] = new JsonArray(
            new JsonObject { ["id"] = "script", ["tool"] = "llm.generate", ["outputFormat"] = "text" },
            new JsonObject { ["id"] = "shots", ["tool"] = "llm.generate", ["kind"] = "collection", ["itemSource"] = "script" },
            new JsonObject { ["id"] = "video", ["tool"] = "ffmpeg.concat", ["outputFormat"] = "video" }),
        ["edges"] = new JsonArray(
            new JsonObject { ["id"] = "e1", ["from"] = "script", ["to"] = "shots", ["bindings"] = new JsonArray(new JsonObject { ["outputKey"] = "text", ["inputKey"] = "prompt" }) },
            new JsonObject { ["id"] = "e2", ["from"] = "shots", ["to"] = "video", ["bindings"] = new JsonArray(new JsonObject { ["outputKey"] = "image", ["inputKey"] = "clips[0]" }) }),
    };

    public static JsonObject CreateBody(JsonObject? inputs = null) => new()
    {
        ["definition"] = ThreeNodes(),
        ["inputs"] = inputs ?? new JsonObject { ["topic"] = "cats" },
    };
}
