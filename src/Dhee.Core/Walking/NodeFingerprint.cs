using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dhee.Bundles;
using Dhee.Caching;
using Dhee.Utils;

namespace Dhee.Walking;

/// <summary>
/// The definition fingerprint of a node: SHA-256 over its tool, kind, config, the BYTES of every bundle file its config
/// names (prompt templates, schemas, workflows, manifests, scripts — any string config value that resolves to a file in
/// the bundle folder), its inputs, output pattern and format, and item settings. Editing any of them makes the node stale.
/// </summary>
internal static class NodeFingerprint
{
    // Property names encoded once: a walk fingerprints every node of the bundle.
    private static readonly JsonEncodedText PAllowEmptyItems = JsonEncodedText.Encode("allowEmptyItems");
    private static readonly JsonEncodedText PConfig = JsonEncodedText.Encode("config");
    private static readonly JsonEncodedText PFiles = JsonEncodedText.Encode("files");
    private static readonly JsonEncodedText PFormat = JsonEncodedText.Encode("format");
    private static readonly JsonEncodedText PInputs = JsonEncodedText.Encode("inputs");
    private static readonly JsonEncodedText PAggregate = JsonEncodedText.Encode("aggregate");
    private static readonly JsonEncodedText PLimit = JsonEncodedText.Encode("limit");
    private static readonly JsonEncodedText PSeparator = JsonEncodedText.Encode("separator");
    private static readonly JsonEncodedText PStrategy = JsonEncodedText.Encode("strategy");
    private static readonly JsonEncodedText PFrom = JsonEncodedText.Encode("from");
    private static readonly JsonEncodedText PN = JsonEncodedText.Encode("n");
    private static readonly JsonEncodedText PScope = JsonEncodedText.Encode("scope");
    private static readonly JsonEncodedText PUsage = JsonEncodedText.Encode("usage");
    private static readonly JsonEncodedText PItemKey = JsonEncodedText.Encode("itemKey");
    private static readonly JsonEncodedText PItemSource = JsonEncodedText.Encode("itemSource");
    private static readonly JsonEncodedText PKind = JsonEncodedText.Encode("kind");
    private static readonly JsonEncodedText PPattern = JsonEncodedText.Encode("pattern");
    private static readonly JsonEncodedText PTool = JsonEncodedText.Encode("tool");
    private static readonly JsonEncodedText PToolVersion = JsonEncodedText.Encode("toolVersion");
    private static readonly JsonEncodedText PV = JsonEncodedText.Encode("v");

    // One buffer and writer per thread, reset per node: a walk fingerprints every node of the bundle before it starts.
    [ThreadStatic]
    private static System.Buffers.ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic]
    private static System.Text.Json.Utf8JsonWriter? t_writer;
    [ThreadStatic]
    private static IncrementalHash? t_hash; // reused: a one-shot hash sets up a new digest context per call

    /// <param name="node">The node.</param>
    /// <param name="bundleDir">The bundle's folder, where config values may name files.</param>
    /// <param name="toolVersion">The runner's version, if known.</param>
    /// <param name="files">Hashes each bundle file once however many nodes name it (a template shared by a bundle's nodes).</param>
    public static string Compute(BundleNode node, string? bundleDir, string? toolVersion, FileContentHasher files)
    {
        SortedDictionary<string, string>? hashes = null;
        if (bundleDir is not null)
        {
            CollectFiles(node.Runner.Config, "config", bundleDir, files, ref hashes);
        }

        // Keys are written in ordinal order by hand: the same canonical form as CanonicalJson, without building a tree.
        var buffer = t_buffer ??= new System.Buffers.ArrayBufferWriter<byte>(512);
        buffer.ResetWrittenCount();
        var w = t_writer ??= new System.Text.Json.Utf8JsonWriter(buffer);
        w.Reset(buffer);
        w.WriteStartObject();
        w.WriteBoolean(PAllowEmptyItems, node.AllowEmptyItems);
        w.WritePropertyName(PConfig);
        CanonicalJson.Write(w, node.Runner.Config);
        w.WriteStartObject(PFiles);
        if (hashes is not null)
        {
            foreach (var (key, hash) in hashes)
            {
                w.WriteString(key, hash);
            }
        }

        w.WriteEndObject();
        w.WriteString(PFormat, EnumText<OutputFormat>.Of(node.Outputs.Format));
        w.WriteStartArray(PInputs);
        for (var i = 0; i < node.Inputs.Count; i++)
        {
            var input = node.Inputs[i];
            w.WriteStartObject();
            if (input.Aggregate is { } a)
            {
                w.WriteStartObject(PAggregate);
                if (a.Limit is { } limit)
                {
                    w.WriteNumber(PLimit, limit);
                }

                w.WriteString(PSeparator, a.Separator);
                w.WriteString(PStrategy, EnumText<AggregateStrategy>.Of(a.Strategy));
                w.WriteEndObject();
            }

            w.WriteString(PFrom, input.From);
            w.WriteNumber(PN, input.N);
            w.WriteString(PScope, EnumText<InputScope>.Of(input.Scope));
            w.WriteString(PUsage, EnumText<InputUsage>.Of(input.Usage));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteString(PItemKey, node.ItemKey);
        w.WriteString(PItemSource, node.ItemSource);
        w.WriteString(PKind, EnumText<NodeKind>.Of(node.Kind));
        w.WriteString(PPattern, node.Outputs.Pattern);
        w.WriteString(PTool, node.Runner.Tool);
        w.WriteString(PToolVersion, toolVersion);
        w.WriteString(PV, "nodedef-1");
        w.WriteEndObject();
        w.Flush();

        var sha = t_hash ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(buffer.WrittenSpan);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        sha.GetHashAndReset(digest);
        return Convert.ToHexStringLower(digest);
    }

    private static void CollectFiles(JsonNode? node, string path, string bundleDir, FileContentHasher files, ref SortedDictionary<string, string>? hashes)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    CollectFiles(value, $"{path}.{key}", bundleDir, files, ref hashes);
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    CollectFiles(array[i], $"{path}[{i}]", bundleDir, files, ref hashes);
                }

                break;
            case JsonValue value when value.TryGetValue<string>(out var text) && LooksLikePath(text):
                if (SafePath.TryResolve(bundleDir, text, out var full, out _) && File.Exists(full))
                {
                    (hashes ??= new SortedDictionary<string, string>(StringComparer.Ordinal))[path] = files.Hash(full);
                }

                break;
        }
    }

    private static bool LooksLikePath(string text)
        => text.Length is > 0 and < 512 && !text.Contains('\n', StringComparison.Ordinal) && (text.Contains('/', StringComparison.Ordinal) || Path.HasExtension(text));
}
