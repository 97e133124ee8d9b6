using System.Text.Json;

namespace Dhee.State;

/// <summary>
/// Reads one journal line into a <see cref="JournalRecord"/> with a bare <see cref="Utf8JsonReader"/>. Loading a large
/// project parses one line per instance before a walk can start; the serializer's general machinery (a read stack per
/// call, converters) costs twice as much there. Anything unexpected gives null, and the caller falls back to the
/// serializer's careful replay.
/// </summary>
internal static class JournalRecordReader
{
    /// <summary>Parses <paramref name="line"/>, or returns null when it is not exactly one well-formed record.</summary>
    /// <param name="line">One journal line, without its newline.</param>
    /// <param name="pool">Shares the strings that repeat across records, or null.</param>
    public static JournalRecord? TryRead(ReadOnlySpan<byte> line, JournalStringPool? pool = null)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            var record = new JournalRecord();
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    return reader.Read() ? null : record;
                }

                if (reader.TokenType != JsonTokenType.PropertyName || !TryReadProperty(ref reader, record, pool))
                {
                    return null;
                }
            }

            return null;
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    private static bool TryReadProperty(ref Utf8JsonReader reader, JournalRecord record, JournalStringPool? pool)
    {
        var property = Identify(ref reader);
        if (!reader.Read())
        {
            return false;
        }

        string? text;
        DateTimeOffset? time;
        switch (property)
        {
            case Property.Type when TryGetString(ref reader, pool, out text):
                record.Type = text ?? string.Empty;
                return true;
            case Property.Key when TryGetString(ref reader, pool, out text):
                record.Key = text ?? string.Empty;
                return true;
            case Property.Node when TryGetString(ref reader, pool, out text):
                record.Node = text;
                return true;
            case Property.Tool when TryGetString(ref reader, pool, out text):
                record.Tool = text;
                return true;
            case Property.Item when TryGetString(ref reader, pool, out text):
                record.Item = text;
                return true;
            case Property.Stamp when TryGetString(ref reader, pool, out text):
                record.Stamp = text;
                return true;
            case Property.Fingerprint when TryGetString(ref reader, null, out text):
                record.Fingerprint = text;
                return true;
            case Property.Output when TryGetString(ref reader, null, out text):
                record.Output = text;
                return true;
            case Property.InputsHash when TryGetString(ref reader, null, out text):
                record.InputsHash = text;
                return true;
            case Property.Error when TryGetString(ref reader, null, out text):
                record.Error = text;
                return true;
            case Property.Dependencies:
                return TryReadDependencies(ref reader, record, pool);
            case Property.StartedAt when TryGetTime(ref reader, out time):
                record.StartedAt = time;
                return true;
            case Property.At when TryGetTime(ref reader, out time):
                record.At = time;
                return true;
            case Property.Cached when reader.TokenType is JsonTokenType.True or JsonTokenType.False:
                record.Cached = reader.GetBoolean();
                return true;
            case Property.Cost when reader.TokenType == JsonTokenType.Number:
                record.CostUsd = reader.GetDecimal();
                return true;
            case Property.Unknown:
                return reader.TrySkip(); // a property of a newer version: ignored, as the serializer does
            default:
                return false; // a known property with a value of the wrong type
        }
    }

    // Ordered by how often each property appears.
    private static Property Identify(ref Utf8JsonReader reader)
        => reader.ValueTextEquals("t"u8) ? Property.Type
            : reader.ValueTextEquals("k"u8) ? Property.Key
            : reader.ValueTextEquals("node"u8) ? Property.Node
            : reader.ValueTextEquals("tool"u8) ? Property.Tool
            : reader.ValueTextEquals("start"u8) ? Property.StartedAt
            : reader.ValueTextEquals("s"u8) ? Property.Stamp
            : reader.ValueTextEquals("fp"u8) ? Property.Fingerprint
            : reader.ValueTextEquals("o"u8) ? Property.Output
            : reader.ValueTextEquals("d"u8) ? Property.Dependencies
            : reader.ValueTextEquals("at"u8) ? Property.At
            : reader.ValueTextEquals("item"u8) ? Property.Item
            : reader.ValueTextEquals("h"u8) ? Property.InputsHash
            : reader.ValueTextEquals("c"u8) ? Property.Cached
            : reader.ValueTextEquals("cost"u8) ? Property.Cost
            : reader.ValueTextEquals("err"u8) ? Property.Error
            : Property.Unknown;

    private static bool TryGetString(ref Utf8JsonReader reader, JournalStringPool? pool, out string? value)
    {
        value = reader.TokenType != JsonTokenType.String ? null
            : pool is not null && !reader.ValueIsEscaped && !reader.HasValueSequence ? pool.Get(reader.ValueSpan)
            : reader.GetString();
        return reader.TokenType is JsonTokenType.String or JsonTokenType.Null;
    }

    private static bool TryGetTime(ref Utf8JsonReader reader, out DateTimeOffset? value)
    {
        value = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.String || !reader.TryGetDateTimeOffset(out var time))
        {
            return false;
        }

        value = time;
        return true;
    }

    private static bool TryReadDependencies(ref Utf8JsonReader reader, JournalRecord record, JournalStringPool? pool)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            record.Dependencies = null;
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        var dependencies = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = pool is not null && !reader.ValueIsEscaped ? pool.Get(reader.ValueSpan) : reader.GetString()!;
            if (!reader.Read() || !TryGetString(ref reader, pool, out var stamp) || stamp is null)
            {
                return false;
            }

            dependencies[key] = stamp;
        }

        if (reader.TokenType != JsonTokenType.EndObject)
        {
            return false;
        }

        record.Dependencies = dependencies;
        return true;
    }

    private enum Property
    {
        Unknown,
        Type,
        Key,
        Node,
        Tool,
        Item,
        Stamp,
        Fingerprint,
        Output,
        Dependencies,
        InputsHash,
        Cached,
        Cost,
        Error,
        StartedAt,
        At,
    }
}
