using System.Security.Cryptography;
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
    // One buffer and writer per thread, reset per node: a walk fingerprints every node of the bundle before it starts.
    [ThreadStatic]
    private static System.Buffers.ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic]
    private static System.Text.Json.Utf8JsonWriter? t_writer;
    [ThreadStatic]
    private static IncrementalHash? t_hash; // reused: a one-shot hash sets up a new digest context per call

    public static string Compute(BundleNode node, string? bundleDir, string? toolVersion)
    {
        SortedDictionary<string, string>? files = null;
        if (bundleDir is not null)
        {
            CollectFiles(node.Runner.Config, "config", bundleDir, ref files);
        }

        // Keys are written in ordinal order by hand: the same canonical form as CanonicalJson, without building a tree.
        var buffer = t_buffer ??= new System.Buffers.ArrayBufferWriter<byte>(512);
        buffer.ResetWrittenCount();
        var w = t_writer ??= new System.Text.Json.Utf8JsonWriter(buffer);
        w.Reset(buffer);
        w.WriteStartObject();
        w.WriteBoolean("allowEmptyItems", node.AllowEmptyItems);
        w.WritePropertyName("config");
        CanonicalJson.Write(w, node.Runner.Config);
        w.WriteStartObject("files");
        if (files is not null)
        {
            foreach (var (key, hash) in files)
            {
                w.WriteString(key, hash);
            }
        }

        w.WriteEndObject();
        w.WriteString("format", EnumText<OutputFormat>.Of(node.Outputs.Format));
        w.WriteStartArray("inputs");
        for (var i = 0; i < node.Inputs.Count; i++)
        {
            var input = node.Inputs[i];
            w.WriteStartObject();
            if (input.Aggregate is { } a)
            {
                w.WriteStartObject("aggregate");
                if (a.Limit is { } limit)
                {
                    w.WriteNumber("limit", limit);
                }

                w.WriteString("separator", a.Separator);
                w.WriteString("strategy", EnumText<AggregateStrategy>.Of(a.Strategy));
                w.WriteEndObject();
            }

            w.WriteString("from", input.From);
            w.WriteNumber("n", input.N);
            w.WriteString("scope", EnumText<InputScope>.Of(input.Scope));
            w.WriteString("usage", EnumText<InputUsage>.Of(input.Usage));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteString("itemKey", node.ItemKey);
        w.WriteString("itemSource", node.ItemSource);
        w.WriteString("kind", EnumText<NodeKind>.Of(node.Kind));
        w.WriteString("pattern", node.Outputs.Pattern);
        w.WriteString("tool", node.Runner.Tool);
        w.WriteString("toolVersion", toolVersion);
        w.WriteString("v", "nodedef-1");
        w.WriteEndObject();
        w.Flush();

        var sha = t_hash ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(buffer.WrittenSpan);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        sha.GetHashAndReset(digest);
        return Convert.ToHexStringLower(digest);
    }

    private static void CollectFiles(JsonNode? node, string path, string bundleDir, ref SortedDictionary<string, string>? files)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    CollectFiles(value, $"{path}.{key}", bundleDir, ref files);
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    CollectFiles(array[i], $"{path}[{i}]", bundleDir, ref files);
                }

                break;
            case JsonValue value when value.TryGetValue<string>(out var text) && LooksLikePath(text):
                if (SafePath.TryResolve(bundleDir, text, out var full, out _) && File.Exists(full))
                {
                    (files ??= new SortedDictionary<string, string>(StringComparer.Ordinal))[path] = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(full)));
                }

                break;
        }
    }

    private static bool LooksLikePath(string text)
        => text.Length is > 0 and < 512 && !text.Contains('\n', StringComparison.Ordinal) && (text.Contains('/', StringComparison.Ordinal) || Path.HasExtension(text));
}
