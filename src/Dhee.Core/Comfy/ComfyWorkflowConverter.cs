using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dhee.Comfy;

/// <summary>
/// Converts a workflow saved by the ComfyUI editor (UI format: nodes, links, <c>widgets_values</c>) into the API format the
/// server runs, driven by the target server's <c>/object_info</c>: widget values are named by <c>input_order</c>,
/// frontend-only values (<c>control_after_generate</c>, upload buttons) are skipped, muted nodes are dropped, bypassed
/// nodes are rewired, PrimitiveNode and Reroute are inlined, Note and MarkdownNote are dropped, and list literals are wrapped.
/// Subgraphs (<c>definitions.subgraphs</c>) and legacy group nodes (<c>extra.groupNodes</c>) are expanded first: inner nodes
/// get ComfyUI's execution ids (<c>outer:inner</c>), links across the boundary are rewired, values typed on the container reach
/// the inner widgets; a container that cannot be laid out is an error naming the node and the fix.
/// A widget count that does not match the schema is reported as a diagnostic naming node and widget, never silently shifted.
/// </summary>
public static class ComfyWorkflowConverter
{
    /// <summary>The editor's node mode for a muted node (dropped with everything only it feeds).</summary>
    internal const int ModeMuted = 2;

    /// <summary>The editor's node mode for a bypassed node (its inputs pass through to outputs of the same type).</summary>
    internal const int ModeBypassed = 4;
    /// <summary>The values of the editor's <c>control_after_generate</c> widget (never sent to the server).</summary>
    internal static readonly HashSet<string> ControlValues = new(StringComparer.Ordinal) { "fixed", "increment", "decrement", "randomize" };

    /// <summary>The values of the editor's upload-button widgets (never sent to the server).</summary>
    internal static readonly HashSet<string> UploadValues = new(StringComparer.Ordinal) { "image", "upload", "video", "audio" };
    private static readonly HashSet<string> DroppedTypes = new(StringComparer.Ordinal) { "Note", "MarkdownNote" };

    /// <summary>Tells whether a JSON document is a UI-format workflow (has <c>nodes</c> and <c>links</c> arrays).</summary>
    /// <param name="workflow">The document.</param>
    /// <returns>True for UI format.</returns>
    public static bool IsUiFormat(JsonObject workflow)
        => workflow is not null && workflow["nodes"] is JsonArray && workflow["links"] is JsonArray;

    /// <summary>Converts a UI-format workflow.</summary>
    /// <param name="uiWorkflow">The editor's JSON.</param>
    /// <param name="objectInfo">The target server's catalog.</param>
    /// <returns>The API workflow and diagnostics.</returns>
    public static ComfyConversionResult Convert(JsonObject uiWorkflow, ComfyObjectInfo objectInfo)
    {
        ArgumentNullException.ThrowIfNull(uiWorkflow);
        ArgumentNullException.ThrowIfNull(objectInfo);
        var diagnostics = new List<ComfyConversionDiagnostic>();
        var flat = ComfyUiGraphFlattener.Flatten(uiWorkflow, objectInfo, diagnostics);
        var nodes = flat.Nodes;
        var links = flat.Links;

        var prompt = new JsonObject();
        foreach (var (id, node) in nodes.OrderBy(p => p.Key, Comparer<string>.Create(ComfyUiGraphFlattener.CompareIds)))
        {
            var type = node["type"]?.ToString() ?? string.Empty;
            var mode = ModeOf(node);
            if (DroppedTypes.Contains(type) || type is "Reroute" or "PrimitiveNode" || mode is ModeMuted or ModeBypassed)
            {
                continue;
            }

            if (!objectInfo.HasClass(type))
            {
                diagnostics.Add(new ComfyConversionDiagnostic(id, type, null, true, UnknownClassMessage(type)));
                continue;
            }

            var inputs = new JsonObject();
            var uiInputs = (node["inputs"] as JsonArray ?? []).OfType<JsonObject>().ToList();
            var linkedWidgets = new HashSet<string>(
                uiInputs.Where(i => i["link"] is JsonValue && i["widget"]?["name"] is not null).Select(i => i["widget"]!["name"]!.ToString()),
                StringComparer.Ordinal);
            MapWidgets(id, type, node, objectInfo, inputs, linkedWidgets, diagnostics);
            foreach (var (widget, value) in flat.WidgetOverrides.GetValueOrDefault(id) ?? [])
            {
                // A value typed on the enclosing subgraph or group node wins over the inner node's saved one.
                if (!linkedWidgets.Contains(widget))
                {
                    inputs[widget] = Wrap(value?.DeepClone());
                }
            }

            foreach (var input in uiInputs)
            {
                if (input["link"] is not JsonValue linkValue || linkValue.GetValueKind() == JsonValueKind.Null)
                {
                    continue;
                }

                var name = input["widget"]?["name"]?.ToString() ?? input["name"]?.ToString();
                if (name is null)
                {
                    continue;
                }

                var resolved = Resolve(linkValue.ToString(), links, nodes, 0);
                switch (resolved)
                {
                    case JsonArray link:
                        inputs[name] = link;
                        break;
                    case JsonNode literal:
                        inputs[name] = Wrap(literal.DeepClone());
                        break;
                    default:
                        var required = objectInfo.GetInputs(type).Any(s => s.Name == name && s.Required);
                        if (required)
                        {
                            diagnostics.Add(new ComfyConversionDiagnostic(id, type, name, false, "this required input is linked to a muted or missing node; the server will reject the workflow until it is connected"));
                        }

                        break;
                }
            }

            var entry = new JsonObject { ["inputs"] = inputs, ["class_type"] = type };
            var title = node["title"]?.ToString() ?? objectInfo.GetClass(type)?["display_name"]?.ToString() ?? type;
            entry["_meta"] = new JsonObject { ["title"] = title };
            prompt[id] = entry;
        }

        return new ComfyConversionResult(prompt, diagnostics);
    }

    private static void MapWidgets(string id, string type, JsonObject node, ComfyObjectInfo objectInfo, JsonObject inputs, HashSet<string> linkedWidgets, List<ComfyConversionDiagnostic> diagnostics)
    {
        var specs = objectInfo.GetInputs(type).Where(s => s.IsWidget).ToList();
        var raw = node["widgets_values"];
        if (raw is JsonObject named)
        {
            foreach (var spec in specs)
            {
                if (named.TryGetPropertyValue(spec.Name, out var value) && !linkedWidgets.Contains(spec.Name))
                {
                    inputs[spec.Name] = Wrap(value?.DeepClone());
                }
            }

            return;
        }

        var values = (raw as JsonArray)?.ToList() ?? [];
        var index = 0;
        for (var s = 0; s < specs.Count; s++)
        {
            var spec = specs[s];
            if (index >= values.Count)
            {
                if (!linkedWidgets.Contains(spec.Name) && spec.Required)
                {
                    diagnostics.Add(new ComfyConversionDiagnostic(id, type, spec.Name, false, $"the node has {values.Count} widget values but the server's schema expects a value for '{spec.Name}' (widget {s + 1} of {specs.Count}); it is left out, so the server uses its default or rejects it"));
                }

                continue;
            }

            var value = values[index++];
            if (!linkedWidgets.Contains(spec.Name))
            {
                if (spec.Options is { } options && value is JsonValue v && v.GetValueKind() == JsonValueKind.String && !options.Contains(v.GetValue<string>(), StringComparer.Ordinal) && !spec.IsUpload
                    && index < values.Count && values[index] is JsonValue next && next.GetValueKind() == JsonValueKind.String && options.Contains(next.GetValue<string>(), StringComparer.Ordinal))
                {
                    diagnostics.Add(new ComfyConversionDiagnostic(id, type, spec.Name, false, $"the value '{v.GetValue<string>()}' is not among the widget's options but the next value is; the widget values look shifted by one (an extra frontend value?); check this widget"));
                }

                inputs[spec.Name] = Wrap(value?.DeepClone());
            }

            if (spec.HasControlAfterGenerate && index < values.Count && values[index] is JsonValue control && control.GetValueKind() == JsonValueKind.String && ControlValues.Contains(control.GetValue<string>()))
            {
                index++;
            }

            if (spec.IsUpload && index < values.Count && values.Count - index > specs.Count - s - 1
                && (values[index] is null || (values[index] is JsonValue up && up.GetValueKind() == JsonValueKind.String && UploadValues.Contains(up.GetValue<string>()))))
            {
                index++;
            }
        }

        if (index < values.Count)
        {
            var extra = string.Join(", ", values.Skip(index).Select(v => v?.ToJsonString() ?? "null"));
            var last = specs.Count > 0 ? specs[^1].Name : null;
            diagnostics.Add(new ComfyConversionDiagnostic(id, type, last, false, $"{values.Count - index} more widget value(s) than the server's schema has widgets ({extra}); the editor and server versions may differ, so check that each widget got the right value"));
        }
    }

    private static string UnknownClassMessage(string type)
    {
        if (Guid.TryParse(type, out _))
        {
            return "this looks like a subgraph instance, but the workflow has no subgraph with this id under definitions.subgraphs; export the workflow again from the editor (the definition was lost) or convert the subgraph back to nodes";
        }

        if (type.StartsWith("workflow>", StringComparison.Ordinal) || type.StartsWith("workflow/", StringComparison.Ordinal))
        {
            return $"this is a group node, but extra.groupNodes has no definition named '{type[9..]}'; export the workflow again, or ungroup the node in the editor (right-click → Convert to nodes)";
        }

        return "this node class is not installed on the target server, so its widget values cannot be named; install the node pack or remove the node";
    }

    private static JsonNode? Resolve(string linkId, Dictionary<string, ComfyUiGraphFlattener.FlatLink> links, Dictionary<string, JsonObject> nodes, int depth)
    {
        if (depth > 64 || !links.TryGetValue(linkId, out var link))
        {
            return null;
        }

        if (link.Origin is null)
        {
            return Wrap(link.Literal?.DeepClone()); // a value typed on a subgraph instance
        }

        if (!nodes.TryGetValue(link.Origin, out var origin))
        {
            return null;
        }

        var type = origin["type"]?.ToString();
        var mode = ModeOf(origin);
        if (type == "PrimitiveNode")
        {
            return origin["widgets_values"] is JsonArray wv && wv.Count > 0 ? Wrap(wv[0]?.DeepClone()) ?? JsonValue.Create((string?)null) : null;
        }

        if (type == "Reroute")
        {
            var inLink = (origin["inputs"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault()?["link"];
            return inLink is JsonValue rl && rl.GetValueKind() != JsonValueKind.Null ? Resolve(rl.ToString(), links, nodes, depth + 1) : null;
        }

        if (mode == ModeMuted)
        {
            return null;
        }

        if (mode == ModeBypassed)
        {
            var outType = (origin["outputs"] as JsonArray)?.ElementAtOrDefault(link.Slot)?["type"]?.ToString();
            var candidates = (origin["inputs"] as JsonArray ?? []).OfType<JsonObject>()
                .Select((input, index) => (input, index))
                .Where(c => c.input["link"] is JsonValue l && l.GetValueKind() != JsonValueKind.Null && (outType is null || c.input["type"]?.ToString() == outType || c.input["type"]?.ToString() == "*"))
                .OrderBy(c => c.index == link.Slot ? 0 : 1)
                .ToList();
            return candidates.Count == 0 ? null : Resolve(candidates[0].input["link"]!.ToString(), links, nodes, depth + 1);
        }

        return new JsonArray(link.Origin, link.Slot);
    }

    /// <summary>Reads a UI node's mode (0, always, when absent).</summary>
    internal static int ModeOf(JsonObject node) => node["mode"] is JsonValue m && m.TryGetValue<int>(out var mv) ? mv : 0;

    private static JsonNode? Wrap(JsonNode? value) => value is JsonArray list ? new JsonObject { ["__value__"] = list } : value;
}
