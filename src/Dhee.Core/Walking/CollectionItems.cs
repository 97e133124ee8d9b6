using System.Text;
using System.Text.Json.Nodes;

namespace Dhee.Walking;

/// <summary>Finds a collection's items in its upstream JSON and derives their ids.</summary>
internal static class CollectionItems
{
    /// <summary>
    /// Picks the item array: a top-level array, else <paramref name="itemKey"/>, else <c>items</c>, else the first array
    /// property. Returns null with an error when none fits.
    /// </summary>
    public static JsonArray? FindArray(JsonNode? json, string? itemKey, out string source, out string? error)
    {
        error = null;
        source = string.Empty;
        switch (json)
        {
            case JsonArray array:
                source = "top-level array";
                return array;
            case JsonObject obj when itemKey is not null:
                if (obj[itemKey] is JsonArray keyed)
                {
                    source = $"itemKey:{itemKey}";
                    return keyed;
                }

                error = $"the upstream JSON has no array property '{itemKey}' (itemKey); its properties are: {string.Join(", ", obj.Select(p => p.Key))}";
                return null;
            case JsonObject obj:
                if (obj["items"] is JsonArray items)
                {
                    source = "items";
                    return items;
                }

                foreach (var (key, value) in obj)
                {
                    if (value is JsonArray first)
                    {
                        source = $"first array:{key}";
                        return first;
                    }
                }

                error = "the upstream JSON has no array (looked for a top-level array, 'items', then any array property); set itemKey or fix the upstream output";
                return null;
            default:
                error = "the upstream output is not a JSON object or array";
                return null;
        }
    }

    /// <summary>Derives the id of an item: a string item is its own id, else <c>id</c>, else <c>name</c>; normalised.</summary>
    public static string? IdOf(JsonNode? item)
    {
        var raw = item switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonObject o => Scalar(o["id"]) ?? Scalar(o["name"]),
            _ => null,
        };
        return raw is null ? null : Normalize(raw);
    }

    /// <summary>Normalises an item id: trimmed, lower-case, whitespace and path separators replaced by <c>_</c>.</summary>
    public static string? Normalize(string raw)
    {
        var trimmed = raw.Trim();
        if (trimmed.Length == 0)
        {
            return null;
        }

        var builder = new StringBuilder(trimmed.Length);
        foreach (var ch in trimmed)
        {
            builder.Append(char.IsWhiteSpace(ch) || ch is '/' or '\\' or ':' ? '_' : char.ToLowerInvariant(ch));
        }

        var id = builder.ToString();
        return id is "." or ".." ? null : id;
    }

    private static string? Scalar(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.Number => v.ToJsonString(),
        _ => null,
    };
}
