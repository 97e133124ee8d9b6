using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dhee.Comfy;

/// <summary>One input of a node class: its name, spec (<c>[TYPE or options, {config}]</c>) and whether it is required.</summary>
/// <param name="Name">The input name.</param>
/// <param name="Spec">The raw spec array.</param>
/// <param name="Required">True for required inputs.</param>
public sealed record ComfyInputSpec(string Name, JsonArray Spec, bool Required)
{
    /// <summary>Gets the type name (<c>INT</c>, <c>IMAGE</c>, <c>COMBO</c> for option lists).</summary>
    public string Type => Spec.Count > 0 && Spec[0] is JsonValue v ? v.ToString() : "COMBO";

    /// <summary>Gets the config object (default, min, max, …).</summary>
    public JsonObject? Config => Spec.Count > 1 ? Spec[1] as JsonObject : null;

    /// <summary>Gets the allowed values of an enum input (legacy list form or V3 <c>["COMBO", {"options": [...]}]</c>), or null.</summary>
    public IReadOnlyList<string>? Options
    {
        get
        {
            if (Spec.Count > 0 && Spec[0] is JsonArray legacy)
            {
                return [.. legacy.Select(o => o?.ToString() ?? string.Empty)];
            }

            return Type == "COMBO" && Config?["options"] is JsonArray v3 ? [.. v3.Select(o => o?.ToString() ?? string.Empty)] : null;
        }
    }

    /// <summary>Gets a value indicating whether the input is a widget (a value typed in the editor) rather than a link-only socket.</summary>
    public bool IsWidget => Options is not null || Type is "INT" or "FLOAT" or "STRING" or "BOOLEAN";

    /// <summary>Gets a value indicating whether the editor shows a file-upload button for it (its options are files on the server).</summary>
    public bool IsUpload => Config is { } c && (c.ContainsKey("image_upload") || c.ContainsKey("video_upload") || c.ContainsKey("audio_upload"));

    /// <summary>Gets a value indicating whether the editor adds a <c>control_after_generate</c> widget after it (seed-like INT inputs).</summary>
    public bool HasControlAfterGenerate => Config is { } c && (c["control_after_generate"] is JsonValue v && v.GetValueKind() == JsonValueKind.True
        || (Type == "INT" && (Name is "seed" or "noise_seed")));
}
