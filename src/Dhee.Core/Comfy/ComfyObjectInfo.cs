using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dhee.Comfy;

/// <summary>A server's node catalog (<c>/object_info</c>): which classes exist, their inputs, widget order and outputs.</summary>
public sealed class ComfyObjectInfo
{
    private readonly JsonObject _raw;

    /// <summary>Initializes a new instance of the <see cref="ComfyObjectInfo"/> class.</summary>
    /// <param name="raw">The <c>/object_info</c> body.</param>
    public ComfyObjectInfo(JsonObject raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        _raw = raw;
    }

    /// <summary>Gets the class names.</summary>
    public IEnumerable<string> ClassNames => _raw.Select(p => p.Key);

    /// <summary>Gets the raw catalog.</summary>
    public JsonObject Raw => _raw;

    /// <summary>Parses a catalog from JSON text.</summary>
    /// <param name="json">The <c>/object_info</c> body.</param>
    /// <returns>The catalog.</returns>
    public static ComfyObjectInfo Parse(string json)
        => new(JsonNode.Parse(json) as JsonObject ?? throw new JsonException("object_info must be a JSON object of node classes"));

    /// <summary>Gets a value indicating whether the class exists.</summary>
    /// <param name="classType">The class.</param>
    /// <returns>True when installed.</returns>
    public bool HasClass(string classType) => _raw[classType] is JsonObject;

    /// <summary>Gets the class definition.</summary>
    /// <param name="classType">The class.</param>
    /// <returns>The definition, or null when not installed.</returns>
    public JsonObject? GetClass(string classType) => _raw[classType] as JsonObject;

    /// <summary>Gets a value indicating whether the class is an output node.</summary>
    /// <param name="classType">The class.</param>
    /// <returns>True for output nodes.</returns>
    public bool IsOutputNode(string classType) => GetClass(classType)?["output_node"] is JsonValue v && v.GetValueKind() == JsonValueKind.True;

    /// <summary>Gets the class's inputs in declaration order: (name, spec array, required).</summary>
    /// <param name="classType">The class.</param>
    /// <returns>The inputs (empty for unknown classes).</returns>
    public IReadOnlyList<ComfyInputSpec> GetInputs(string classType)
    {
        var def = GetClass(classType);
        if (def?["input"] is not JsonObject input)
        {
            return [];
        }

        var list = new List<ComfyInputSpec>();
        foreach (var group in new[] { "required", "optional" })
        {
            if (input[group] is not JsonObject inputs)
            {
                continue;
            }

            var order = def["input_order"]?[group] as JsonArray;
            var names = order is not null ? order.Select(n => n!.ToString()).Where(inputs.ContainsKey) : inputs.Select(p => p.Key);
            foreach (var name in names)
            {
                list.Add(new ComfyInputSpec(name, inputs[name] as JsonArray ?? [], group == "required"));
            }
        }

        return list;
    }

    /// <summary>Gets the class's output types.</summary>
    /// <param name="classType">The class.</param>
    /// <returns>The output types in slot order.</returns>
    public IReadOnlyList<string> GetOutputs(string classType)
        => GetClass(classType)?["output"] is JsonArray outputs ? [.. outputs.Select(o => o?.ToString() ?? "*")] : [];
}
