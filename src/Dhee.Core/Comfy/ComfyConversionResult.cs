using System.Text.Json.Nodes;

namespace Dhee.Comfy;

/// <summary>The API-format workflow converted from a UI-format one, with every ambiguity found.</summary>
/// <param name="Prompt">The API workflow (<c>{id: {class_type, inputs, _meta}}</c>).</param>
/// <param name="Diagnostics">Warnings and errors, each naming node and widget.</param>
public sealed record ComfyConversionResult(JsonObject Prompt, IReadOnlyList<ComfyConversionDiagnostic> Diagnostics)
{
    /// <summary>Gets the errors only.</summary>
    public IReadOnlyList<ComfyConversionDiagnostic> Errors => [.. Diagnostics.Where(d => d.IsError)];
}
