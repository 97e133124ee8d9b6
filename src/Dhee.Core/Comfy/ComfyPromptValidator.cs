using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dhee.Comfy;

/// <summary>Checks an API-format workflow against a server's <see cref="ComfyObjectInfo"/> before it is queued, reporting the same error types the server would.</summary>
public static class ComfyPromptValidator
{
    private const int MaxListedValues = 20;

    /// <summary>Validates every node: unknown classes, missing required inputs, enum values not offered, numbers out of range, links to missing nodes or slots.</summary>
    /// <param name="prompt">The API workflow (<c>{id: {class_type, inputs}}</c>).</param>
    /// <param name="objectInfo">The target server's catalog.</param>
    /// <returns>Every problem found; empty when the workflow is valid.</returns>
    public static IReadOnlyList<ComfyNodeError> Validate(JsonObject prompt, ComfyObjectInfo objectInfo)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(objectInfo);
        var errors = new List<ComfyNodeError>();
        foreach (var (nodeId, nodeNode) in prompt)
        {
            if (nodeNode is not JsonObject node || node["class_type"] is not JsonValue clsValue || clsValue.GetValueKind() != JsonValueKind.String)
            {
                errors.Add(new ComfyNodeError(nodeId, null, "invalid_prompt", "the node has no class_type", Hint: "every node needs \"class_type\" and \"inputs\"; is this a UI-format workflow? Convert it first (dhee comfy convert)"));
                continue;
            }

            var cls = clsValue.GetValue<string>();
            if (!objectInfo.HasClass(cls))
            {
                errors.Add(new ComfyNodeError(nodeId, cls, "invalid_prompt", $"node class {cls} is not installed on this endpoint", Hint: "install the custom node pack that provides it, or swap the class for this endpoint"));
                continue;
            }

            var inputs = node["inputs"] as JsonObject ?? [];
            foreach (var spec in objectInfo.GetInputs(cls))
            {
                if (!inputs.TryGetPropertyValue(spec.Name, out var value) || value is null)
                {
                    if (spec.Required)
                    {
                        errors.Add(new ComfyNodeError(nodeId, cls, "required_input_missing", "Required input is missing", spec.Name, spec.Name));
                    }

                    continue;
                }

                if (IsLink(value, out var source, out var slot))
                {
                    if (prompt[source] is not JsonObject sourceNode)
                    {
                        errors.Add(new ComfyNodeError(nodeId, cls, "bad_linked_input", $"links to node {source}, which is not in the workflow", spec.Name, spec.Name, value.ToJsonString()));
                        continue;
                    }

                    var sourceCls = sourceNode["class_type"]?.ToString() ?? string.Empty;
                    var outputs = objectInfo.GetOutputs(sourceCls);
                    if (objectInfo.HasClass(sourceCls) && (slot < 0 || slot >= outputs.Count))
                    {
                        errors.Add(new ComfyNodeError(nodeId, cls, "bad_linked_input", $"links to output slot {slot} of node {source} ({sourceCls}), which has {outputs.Count} outputs", spec.Name, spec.Name, value.ToJsonString()));
                        continue;
                    }

                    if (objectInfo.HasClass(sourceCls) && spec.Options is null && spec.Type != "*" && outputs[slot] != "*" && !string.Equals(outputs[slot], spec.Type, StringComparison.Ordinal)
                        && !spec.Type.Split(',').Contains(outputs[slot], StringComparer.Ordinal))
                    {
                        errors.Add(new ComfyNodeError(nodeId, cls, "return_type_mismatch", $"expects {spec.Type} but node {source} slot {slot} gives {outputs[slot]}", spec.Name, spec.Name));
                    }

                    continue;
                }

                CheckValue(nodeId, cls, spec, value, errors);
            }
        }

        return errors;
    }

    /// <summary>Builds the hint for a value that is not among an enum input's options (models and files are the usual cause).</summary>
    /// <param name="options">The values the endpoint offers.</param>
    /// <returns>The hint text.</returns>
    public static string NotInListHint(IReadOnlyList<string> options)
    {
        if (options.Count == 0)
        {
            return "model or file not installed on this endpoint; installed values: none";
        }

        var listed = string.Join(", ", options.Take(MaxListedValues));
        var more = options.Count > MaxListedValues ? $", … ({options.Count - MaxListedValues} more)" : string.Empty;
        return $"model or file not installed on this endpoint; installed values: {listed}{more}";
    }

    internal static bool IsLink(JsonNode? value, out string source, out int slot)
    {
        source = string.Empty;
        slot = -1;
        if (value is JsonArray arr && arr.Count == 2 && arr[0] is JsonValue s
            && (s.GetValueKind() == JsonValueKind.String || s.GetValueKind() == JsonValueKind.Number)
            && arr[1] is JsonValue i && i.GetValueKind() == JsonValueKind.Number && i.TryGetValue<int>(out slot))
        {
            source = s.ToString();
            return true;
        }

        return false;
    }

    private static void CheckValue(string nodeId, string cls, ComfyInputSpec spec, JsonNode value, List<ComfyNodeError> errors)
    {
        var options = spec.Options;
        if (options is not null)
        {
            if (spec.IsUpload)
            {
                return; // files in the input folder change at runtime; the server checks them
            }

            var text = value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : value.ToJsonString();
            if (!options.Contains(text, StringComparer.Ordinal))
            {
                errors.Add(new ComfyNodeError(nodeId, cls, "value_not_in_list", "Value not in list", $"{spec.Name}: '{text}' not in the offered values", spec.Name, text, NotInListHint(options)));
            }

            return;
        }

        if (spec.Type is not ("INT" or "FLOAT"))
        {
            return;
        }

        double number;
        if (value is JsonValue jv && jv.GetValueKind() == JsonValueKind.Number)
        {
            number = double.Parse(jv.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);
        }
        else if (value is JsonValue sv && sv.GetValueKind() == JsonValueKind.String && double.TryParse(sv.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
        {
            number = parsed;
        }
        else
        {
            errors.Add(new ComfyNodeError(nodeId, cls, "invalid_input_type", $"expects a {spec.Type} number", spec.Name, spec.Name, value.ToJsonString()));
            return;
        }

        if (spec.Config?["min"] is JsonValue min && double.TryParse(min.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var lo) && number < lo)
        {
            errors.Add(new ComfyNodeError(nodeId, cls, "value_smaller_than_min", $"Value {value.ToJsonString()} smaller than min of {min.ToJsonString()}", spec.Name, spec.Name, value.ToJsonString()));
        }
        else if (spec.Config?["max"] is JsonValue max && double.TryParse(max.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var hi) && number > hi)
        {
            errors.Add(new ComfyNodeError(nodeId, cls, "value_bigger_than_max", $"Value {value.ToJsonString()} bigger than max of {max.ToJsonString()}", spec.Name, spec.Name, value.ToJsonString()));
        }
    }
}
