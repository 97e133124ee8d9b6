using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dhee.Utils;

/// <summary>
/// Stable JSON text for hashing: object keys sorted (ordinal) at every depth, arrays in order, no whitespace, numbers in
/// one canonical form (integers as integers, others as the shortest round-trip double), so equal values hash equally.
/// </summary>
internal static class CanonicalJson
{
    /// <summary>Writes <paramref name="node"/> canonically.</summary>
    public static void Write(Utf8JsonWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonObject obj:
                writer.WriteStartObject();
                if (obj.Count > 0)
                {
                    var properties = obj.ToArray();
                    Array.Sort(properties, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
                    foreach (var (key, value) in properties)
                    {
                        writer.WritePropertyName(key);
                        Write(writer, value);
                    }
                }

                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var item in array)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case JsonValue value:
                WriteValue(writer, value);
                break;
        }
    }

    /// <summary>Returns the canonical UTF-8 bytes of <paramref name="node"/>.</summary>
    public static byte[] ToUtf8Bytes(JsonNode? node)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, node);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Returns the lowercase hex SHA-256 of the canonical form of <paramref name="node"/>.</summary>
    public static string Sha256Hex(JsonNode? node) => Convert.ToHexStringLower(SHA256.HashData(ToUtf8Bytes(node)));

    private static void WriteValue(Utf8JsonWriter writer, JsonValue value)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                writer.WriteStringValue(value.GetValue<string>());
                break;
            case JsonValueKind.True:
                writer.WriteBooleanValue(true);
                break;
            case JsonValueKind.False:
                writer.WriteBooleanValue(false);
                break;
            case JsonValueKind.Number:
                var raw = value.ToJsonString();
                if (long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
                {
                    writer.WriteNumberValue(integer);
                }
                else if (double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var real))
                {
                    if (real == Math.Floor(real) && Math.Abs(real) < 9e15)
                    {
                        writer.WriteNumberValue((long)real);
                    }
                    else
                    {
                        writer.WriteNumberValue(real);
                    }
                }
                else
                {
                    writer.WriteRawValue(raw);
                }

                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }
}
