using System.Text.Json;

namespace Dhee.Validation;

/// <summary>
/// The 1-based line and column of every value in a JSON document, keyed by JSON path (<c>$.nodes[2].runner</c>),
/// so problems found after parsing can still point into the file.
/// </summary>
internal sealed class JsonLocationMap
{
    private readonly Dictionary<string, (int Line, int Column)> _locations = new(StringComparer.Ordinal);

    private JsonLocationMap()
    {
    }

    /// <summary>An empty map, for documents that did not come from text.</summary>
    public static JsonLocationMap Empty { get; } = new();

    /// <summary>Reads <paramref name="utf8"/> (which must be well-formed JSON) and records where every value starts.</summary>
    public static JsonLocationMap Build(ReadOnlySpan<byte> utf8, JsonReaderOptions options)
    {
        var map = new JsonLocationMap();
        var lineStarts = new List<int> { 0 };
        for (var i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] == (byte)'\n')
            {
                lineStarts.Add(i + 1);
            }
        }

        var reader = new Utf8JsonReader(utf8, options);
        var containers = new Stack<(string Path, bool IsArray, int NextIndex)>();
        string? property = null;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        property = reader.GetString();
                        continue;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        containers.Pop();
                        continue;
                    case JsonTokenType.Comment:
                        continue;
                }

                string path;
                if (containers.Count == 0)
                {
                    path = "$";
                }
                else
                {
                    var parent = containers.Pop();
                    if (parent.IsArray)
                    {
                        path = JsonPaths.Index(parent.Path, parent.NextIndex);
                        parent.NextIndex++;
                    }
                    else
                    {
                        path = JsonPaths.Property(parent.Path, property ?? string.Empty);
                    }

                    containers.Push(parent);
                }

                map._locations.TryAdd(path, Position(utf8, lineStarts, (int)reader.TokenStartIndex));
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    containers.Push((path, reader.TokenType == JsonTokenType.StartArray, 0));
                }
            }
        }
        catch (JsonException)
        {
            // Malformed documents are reported by the parser; keep what was mapped so far.
        }

        return map;
    }

    /// <summary>Finds where <paramref name="path"/> starts or, when it is absent (a missing field), where its nearest present parent starts.</summary>
    public (int Line, int Column)? Find(string? path)
    {
        while (!string.IsNullOrEmpty(path))
        {
            if (_locations.TryGetValue(path, out var location))
            {
                return location;
            }

            path = Parent(path);
        }

        return null;
    }

    private static string? Parent(string path)
    {
        var lastSegment = -1;
        var inQuotes = false;
        for (var i = 1; i < path.Length; i++)
        {
            var c = path[i];
            if (inQuotes)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '\'')
                {
                    inQuotes = false;
                }
            }
            else if (c == '\'')
            {
                inQuotes = true;
            }
            else if (c is '.' or '[')
            {
                lastSegment = i;
            }
        }

        return lastSegment > 0 ? path[..lastSegment] : null;
    }

    private static (int Line, int Column) Position(ReadOnlySpan<byte> utf8, List<int> lineStarts, int offset)
    {
        var line = lineStarts.BinarySearch(offset);
        if (line < 0)
        {
            line = ~line - 1;
        }

        // Count characters, not bytes: UTF-8 continuation bytes look like 10xxxxxx.
        var column = 1;
        for (var i = lineStarts[line]; i < offset; i++)
        {
            if ((utf8[i] & 0xC0) != 0x80)
            {
                column++;
            }
        }

        return (line + 1, column);
    }
}
