using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dhee.Comfy;

/// <summary>
/// Converts a designer graph whose nodes are all <c>comfy.*</c> types (nodes with <c>properties</c> or <c>data</c>, edges
/// with source/target handles) to a ComfyUI API prompt. Output slots are looked up by handle name in the source node's
/// <c>_comfy_metadata.outputs</c>; a handle that is not found is an error, never silently slot 0.
/// </summary>
public static class ComfyDesignerGraph
{
    /// <summary>The node type prefix of ComfyUI nodes in designer graphs.</summary>
    public const string TypePrefix = "comfy.";

    /// <summary>Tells whether every node of the graph is a <c>comfy.*</c> node (and there is at least one).</summary>
    /// <param name="graph">The designer graph (<c>{nodes, edges}</c>).</param>
    /// <returns>True for a ComfyUI graph.</returns>
    public static bool IsComfyGraph(JsonObject graph)
        => graph?["nodes"] is JsonArray nodes && nodes.Count > 0
            && nodes.All(n => n?["type"] is JsonValue t && t.GetValueKind() == JsonValueKind.String && t.GetValue<string>().StartsWith(TypePrefix, StringComparison.Ordinal));

    /// <summary>Converts the graph.</summary>
    /// <param name="graph">The designer graph.</param>
    /// <param name="errors">Every problem found (node id and handle named).</param>
    /// <returns>The API prompt (possibly incomplete when errors were found).</returns>
    public static JsonObject ToApiPrompt(JsonObject graph, out IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var problems = new List<string>();
        var prompt = new JsonObject();
        var nodes = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var n in graph["nodes"] as JsonArray ?? [])
        {
            if (n is not JsonObject node || node["id"] is null)
            {
                problems.Add("a node has no id");
                continue;
            }

            var id = node["id"]!.ToString();
            var type = node["type"]?.ToString() ?? string.Empty;
            if (!type.StartsWith(TypePrefix, StringComparison.Ordinal) || type.Length == TypePrefix.Length)
            {
                problems.Add($"node '{id}' has type '{type}', which is not a comfy.<ClassType> node");
                continue;
            }

            nodes[id] = node;
            var props = Properties(node);
            var inputs = new JsonObject();
            foreach (var (key, value) in props)
            {
                if (key.StartsWith('_') || key == "workflow_id")
                {
                    continue;
                }

                inputs[key] = value is JsonArray list ? new JsonObject { ["__value__"] = list.DeepClone() } : value?.DeepClone();
            }

            prompt[id] = new JsonObject { ["class_type"] = type[TypePrefix.Length..], ["inputs"] = inputs };
        }

        foreach (var e in graph["edges"] as JsonArray ?? [])
        {
            var source = e?["source"]?.ToString();
            var target = e?["target"]?.ToString();
            var sourceHandle = e?["sourceHandle"]?.ToString();
            var targetHandle = e?["targetHandle"]?.ToString();
            if (source is null || target is null || string.IsNullOrEmpty(targetHandle))
            {
                problems.Add($"edge {e?["id"]?.ToString() ?? "?"} lacks source, target or targetHandle");
                continue;
            }

            if (prompt[target] is not JsonObject targetNode || !nodes.TryGetValue(source, out var sourceNode))
            {
                problems.Add($"edge {source} → {target} connects a node that is not in the graph");
                continue;
            }

            var outputs = Properties(sourceNode)["_comfy_metadata"]?["outputs"] as JsonArray;
            var slot = -1;
            if (outputs is not null)
            {
                for (var i = 0; i < outputs.Count; i++)
                {
                    if (outputs[i]?["name"]?.ToString() == sourceHandle)
                    {
                        slot = i;
                        break;
                    }
                }
            }

            if (slot < 0)
            {
                if (outputs is null && string.IsNullOrEmpty(sourceHandle))
                {
                    slot = 0; // a single unnamed output
                }
                else
                {
                    problems.Add($"edge {source}.{sourceHandle} → {target}.{targetHandle}: node '{source}' has no output named '{sourceHandle}' in _comfy_metadata.outputs ({(outputs is null ? "none listed" : string.Join(", ", outputs.Select(o => o?["name"]?.ToString())))})");
                    continue;
                }
            }

            targetNode["inputs"]![targetHandle] = new JsonArray(source, slot);
        }

        errors = problems;
        return prompt;
    }

    private static JsonObject Properties(JsonObject node) => node["properties"] as JsonObject ?? node["data"] as JsonObject ?? [];
}
