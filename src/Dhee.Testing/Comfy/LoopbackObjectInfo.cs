using System.Text.Json.Nodes;

namespace Dhee.Testing.Comfy;

/// <summary>The node catalog of a real ComfyUI 0.3.18 (260 classes), bundled for tests and offline conversion.</summary>
public static class LoopbackObjectInfo
{
    /// <summary>Loads a fresh copy of the bundled catalog.</summary>
    /// <returns>The <c>/object_info</c> body.</returns>
    public static JsonObject Load()
    {
        using var stream = typeof(LoopbackObjectInfo).Assembly.GetManifestResourceStream("Dhee.Testing.Comfy.object_info.json")
            ?? throw new InvalidOperationException("The bundled object_info.json resource is missing from Dhee.Testing.");
        return JsonNode.Parse(stream)!.AsObject();
    }
}
