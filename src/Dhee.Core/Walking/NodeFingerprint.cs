using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dhee.Bundles;
using Dhee.Utils;

namespace Dhee.Walking;

/// <summary>
/// The definition fingerprint of a node: SHA-256 over its tool, kind, config, the BYTES of every bundle file its config
/// names (prompt templates, schemas, workflows, manifests, scripts — any string config value that resolves to a file in
/// the bundle folder), its inputs, output pattern and format, and item settings. Editing any of them makes the node stale.
/// </summary>
internal static class NodeFingerprint
{
    private static readonly JsonSerializerOptions Json = new() { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    public static string Compute(BundleNode node, string? bundleDir, string? toolVersion)
    {
        var files = new JsonObject();
        if (bundleDir is not null)
        {
            CollectFiles(node.Runner.Config, "config", bundleDir, files);
        }

        var canonical = new JsonObject
        {
            ["v"] = "nodedef-1",
            ["tool"] = node.Runner.Tool,
            ["toolVersion"] = toolVersion,
            ["kind"] = node.Kind.ToString(),
            ["config"] = node.Runner.Config.DeepClone(),
            ["files"] = files,
            ["inputs"] = JsonSerializer.SerializeToNode(node.Inputs, Json),
            ["pattern"] = node.Outputs.Pattern,
            ["format"] = node.Outputs.Format.ToString(),
            ["itemSource"] = node.ItemSource,
            ["itemKey"] = node.ItemKey,
            ["allowEmptyItems"] = node.AllowEmptyItems,
        };
        return CanonicalJson.Sha256Hex(canonical);
    }

    private static void CollectFiles(JsonNode? node, string path, string bundleDir, JsonObject files)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    CollectFiles(value, $"{path}.{key}", bundleDir, files);
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    CollectFiles(array[i], $"{path}[{i}]", bundleDir, files);
                }

                break;
            case JsonValue value when value.TryGetValue<string>(out var text) && LooksLikePath(text):
                if (SafePath.TryResolve(bundleDir, text, out var full, out _) && File.Exists(full))
                {
                    files[path] = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(full)));
                }

                break;
        }
    }

    private static bool LooksLikePath(string text)
        => text.Length is > 0 and < 512 && !text.Contains('\n', StringComparison.Ordinal) && (text.Contains('/', StringComparison.Ordinal) || Path.HasExtension(text));
}
