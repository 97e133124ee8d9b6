using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dhee.Errors;

namespace Dhee.BuiltIn;

/// <summary>
/// Typed reads of a node's <c>runner.config</c> for the built-in runners. The config has normally been validated against
/// the runner's schema already; a value of the wrong type (a direct call that skipped validation) is rejected with a
/// message naming the field.
/// </summary>
internal static class ConfigReader
{
    public static string? GetString(JsonObject config, string name)
    {
        var node = Get(config, name);
        return node switch
        {
            null => null,
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            _ => throw WrongType(name, "a string", node),
        };
    }

    public static double? GetDouble(JsonObject config, string name)
    {
        var node = Get(config, name);
        return node switch
        {
            null => null,
            // A value built in code may hold an int or a decimal; its JSON text reads back as a double in every case.
            JsonValue v when v.GetValueKind() == JsonValueKind.Number => double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture),
            _ => throw WrongType(name, "a number", node),
        };
    }

    public static int? GetInt(JsonObject config, string name)
    {
        var value = GetDouble(config, name);
        if (value is null)
        {
            return null;
        }

        if (value != Math.Floor(value.Value) || value > int.MaxValue || value < int.MinValue)
        {
            throw new DheeConfigurationException($"runner config field '{name}' must be a whole number, but it is {value}; write an integer.");
        }

        return (int)value.Value;
    }

    public static bool? GetBool(JsonObject config, string name)
    {
        var node = Get(config, name);
        return node switch
        {
            null => null,
            JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
            _ => throw WrongType(name, "true or false", node),
        };
    }

    /// <summary>Reads a string that must be one of <paramref name="allowed"/> (compared ordinally).</summary>
    public static string? GetEnum(JsonObject config, string name, params string[] allowed)
    {
        var value = GetString(config, name);
        if (value is not null && !allowed.Contains(value, StringComparer.Ordinal))
        {
            throw new DheeConfigurationException($"runner config field '{name}' is '{value}'; use one of: {string.Join(", ", allowed)}.");
        }

        return value;
    }

    private static JsonNode? Get(JsonObject config, string name)
        => config.TryGetPropertyValue(name, out var node) ? node : null;

    private static DheeConfigurationException WrongType(string name, string expected, JsonNode node)
        => new($"runner config field '{name}' must be {expected}, but it is {node.ToJsonString()}; fix the node's runner.config.");
}
