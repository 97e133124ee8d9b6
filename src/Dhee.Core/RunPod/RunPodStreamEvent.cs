using System.Text.Json.Nodes;
using Dhee.Comfy;

namespace Dhee.RunPod;

/// <summary>A partial output a RunPod worker yielded while running (read from <c>/stream</c>); progress-shaped ones (<c>value</c> and <c>max</c>) also arrive as <see cref="ComfyNodeProgressEvent"/>.</summary>
/// <param name="PromptId">The job id (the executor's prompt id).</param>
/// <param name="Output">The partial output as the worker yielded it.</param>
public sealed record RunPodStreamEvent(string PromptId, JsonNode Output) : ComfyEvent(PromptId)
{
    /// <summary>Reads step progress from a partial output: <c>{"value": 3, "max": 20, "node": "3"}</c>, also nested under <c>progress</c> or <c>data</c> (ComfyUI's own progress message shape).</summary>
    /// <param name="nodeId">The node, when given.</param>
    /// <param name="value">Steps done.</param>
    /// <param name="max">Steps in total.</param>
    /// <returns>True when the output is progress.</returns>
    public bool TryGetProgress(out string? nodeId, out long value, out long max)
    {
        nodeId = null;
        value = 0;
        max = 0;
        var candidate = Output as JsonObject;
        if (candidate?["progress"] is JsonObject nested)
        {
            candidate = nested;
        }
        else if (candidate?["data"] is JsonObject data && data.ContainsKey("max"))
        {
            candidate = data;
        }

        if (candidate?["value"] is not JsonValue v || !v.TryGetValue<double>(out var done) || candidate["max"] is not JsonValue m || !m.TryGetValue<double>(out var total) || total <= 0)
        {
            return false;
        }

        nodeId = candidate["node"]?.ToString();
        value = (long)done;
        max = (long)total;
        return true;
    }
}
