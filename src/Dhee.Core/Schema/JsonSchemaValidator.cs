using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dhee.Validation;

namespace Dhee.Schema;

/// <summary>
/// Validates JSON values against the subset of JSON Schema that runner config schemas use, collecting every problem.
/// </summary>
/// <remarks>
/// Supported keywords: <c>type</c> (one name or an array; <c>integer</c> is a number without a fraction), <c>enum</c>,
/// <c>const</c>, <c>minimum</c>, <c>maximum</c>, <c>exclusiveMinimum</c>, <c>exclusiveMaximum</c> (numbers, or the draft-4
/// booleans), <c>minLength</c>, <c>maxLength</c> (counted in Unicode code points), <c>pattern</c>, <c>required</c>,
/// <c>properties</c>, <c>additionalProperties</c> (true, false or a schema), <c>items</c> (a schema, or an array of schemas
/// for tuples), <c>minItems</c>, <c>maxItems</c>, <c>allOf</c>, <c>anyOf</c>, <c>oneOf</c>, and local <c>$ref</c>s
/// (<c>#/$defs/…</c>, <c>#/definitions/…</c>). Other keywords (<c>title</c>, <c>description</c>, <c>default</c>, formats) are
/// ignored.
/// </remarks>
public static class JsonSchemaValidator
{
    private static readonly ConcurrentDictionary<string, Regex?> Patterns = new(StringComparer.Ordinal);

    /// <summary>Validates <paramref name="instance"/> against <paramref name="schema"/>.</summary>
    /// <param name="instance">The value to check; null stands for JSON <c>null</c> or an absent value.</param>
    /// <param name="schema">The schema.</param>
    /// <param name="basePath">The JSON path of <paramref name="instance"/> in its document, used as the prefix of every problem's path.</param>
    /// <param name="file">The file the value came from, copied into every problem.</param>
    /// <returns>Every problem found, in document order; empty when the value is valid.</returns>
    public static IReadOnlyList<ValidationProblem> Validate(JsonNode? instance, JsonObject schema, string basePath = "$", string? file = null)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(basePath);
        var problems = new List<ValidationProblem>();
        new Checker(schema, file, problems).Check(instance, schema, basePath, 0);
        return problems;
    }

    private sealed class Checker(JsonObject root, string? file, List<ValidationProblem> problems)
    {
        private const int MaxDepth = 64;

        public void Check(JsonNode? value, JsonObject schema, string path, int depth)
        {
            if (depth > MaxDepth)
            {
                Add(path, "schema.depth", "the schema nests (or refers to itself) too deeply to check", "Simplify the schema.");
                return;
            }

            if (schema["$ref"] is JsonValue refValue && refValue.TryGetValue<string>(out var reference))
            {
                if (Resolve(reference) is { } target)
                {
                    Check(value, target, path, depth + 1);
                }
                else
                {
                    Add(path, "schema.ref", $"the schema refers to '{reference}', which it does not define", "Use a local reference such as '#/$defs/name'.");
                }
            }

            var kind = value?.GetValueKind() ?? JsonValueKind.Null;
            if (!CheckType(value, kind, schema, path))
            {
                // Further keywords would only repeat the type mismatch.
                return;
            }

            CheckEnumAndConst(value, schema, path);
            switch (kind)
            {
                case JsonValueKind.Number:
                    CheckNumber(value!, schema, path);
                    break;
                case JsonValueKind.String:
                    CheckString(value!.GetValue<string>(), schema, path);
                    break;
                case JsonValueKind.Object:
                    CheckObject(value!.AsObject(), schema, path, depth);
                    break;
                case JsonValueKind.Array:
                    CheckArray(value!.AsArray(), schema, path, depth);
                    break;
            }

            CheckCombinators(value, schema, path, depth);
        }

        private bool CheckType(JsonNode? value, JsonValueKind kind, JsonObject schema, string path)
        {
            if (schema["type"] is not { } typeNode)
            {
                return true;
            }

            var names = typeNode is JsonArray array
                ? array.Select(t => t?.GetValueKind() == JsonValueKind.String ? t.GetValue<string>() : string.Empty).ToList()
                : typeNode.GetValueKind() == JsonValueKind.String ? [typeNode.GetValue<string>()] : [];
            if (names.Count == 0 || names.Any(name => Matches(name, value, kind)))
            {
                return true;
            }

            var expected = names.Count == 1 ? Article(names[0]) : "one of " + string.Join(", ", names);
            Add(path, "schema.type", $"must be {expected}, but is {Describe(value, kind)}", $"Set {Leaf(path)} to {expected}.");
            return false;
        }

        private static bool Matches(string type, JsonNode? value, JsonValueKind kind) => type switch
        {
            "null" => kind == JsonValueKind.Null,
            "boolean" => kind is JsonValueKind.True or JsonValueKind.False,
            "string" => kind == JsonValueKind.String,
            "object" => kind == JsonValueKind.Object,
            "array" => kind == JsonValueKind.Array,
            "number" => kind == JsonValueKind.Number,
            "integer" => kind == JsonValueKind.Number && ToDecimal(value!) is { } d && d == decimal.Truncate(d),
            _ => true,
        };

        private void CheckEnumAndConst(JsonNode? value, JsonObject schema, string path)
        {
            if (schema["enum"] is JsonArray options && !options.Any(option => JsonNode.DeepEquals(option, value)))
            {
                var allowed = string.Join(", ", options.Select(o => o?.ToJsonString() ?? "null"));
                Add(path, "schema.enum", $"is {Describe(value, value?.GetValueKind() ?? JsonValueKind.Null)}, which is not one of the allowed values: {allowed}", $"Set {Leaf(path)} to one of: {allowed}.");
            }

            if (schema.TryGetPropertyValue("const", out var constant) && !JsonNode.DeepEquals(constant, value))
            {
                var expected = constant?.ToJsonString() ?? "null";
                Add(path, "schema.const", $"must be {expected}, but is {Describe(value, value?.GetValueKind() ?? JsonValueKind.Null)}", $"Set {Leaf(path)} to {expected}.");
            }
        }

        private void CheckNumber(JsonNode value, JsonObject schema, string path)
        {
            if (ToDecimal(value) is not { } number)
            {
                return;
            }

            var minimum = Number(schema, "minimum");
            var maximum = Number(schema, "maximum");
            var exclusiveMinimum = Number(schema, "exclusiveMinimum");
            var exclusiveMaximum = Number(schema, "exclusiveMaximum");

            // Draft 4 wrote exclusiveMinimum/Maximum as booleans that modify minimum/maximum.
            if (IsTrue(schema["exclusiveMinimum"]) && minimum is not null)
            {
                (exclusiveMinimum, minimum) = (minimum, null);
            }

            if (IsTrue(schema["exclusiveMaximum"]) && maximum is not null)
            {
                (exclusiveMaximum, maximum) = (maximum, null);
            }

            var text = Format(number);
            if (minimum is { } min && number < min)
            {
                Add(path, "schema.minimum", $"is {text}, below the minimum {Format(min)}", $"Set {Leaf(path)} to {Format(min)} or more.");
            }

            if (maximum is { } max && number > max)
            {
                Add(path, "schema.maximum", $"is {text}, above the maximum {Format(max)}", $"Set {Leaf(path)} to {Format(max)} or less.");
            }

            if (exclusiveMinimum is { } xmin && number <= xmin)
            {
                Add(path, "schema.exclusiveMinimum", $"is {text}, but must be greater than {Format(xmin)}", $"Set {Leaf(path)} above {Format(xmin)}.");
            }

            if (exclusiveMaximum is { } xmax && number >= xmax)
            {
                Add(path, "schema.exclusiveMaximum", $"is {text}, but must be less than {Format(xmax)}", $"Set {Leaf(path)} below {Format(xmax)}.");
            }
        }

        private void CheckString(string text, JsonObject schema, string path)
        {
            var length = CodePoints(text);
            if (Number(schema, "minLength") is { } minLength && length < minLength)
            {
                Add(path, "schema.minLength", $"has {length} characters, fewer than the minimum {Format(minLength)}", $"Make {Leaf(path)} at least {Format(minLength)} characters long.");
            }

            if (Number(schema, "maxLength") is { } maxLength && length > maxLength)
            {
                Add(path, "schema.maxLength", $"has {length} characters, more than the maximum {Format(maxLength)}", $"Shorten {Leaf(path)} to at most {Format(maxLength)} characters.");
            }

            if (schema["pattern"] is JsonValue patternValue && patternValue.TryGetValue<string>(out var pattern))
            {
                var regex = Patterns.GetOrAdd(pattern, CreateRegex);
                if (regex is null)
                {
                    Add(path, "schema.invalid", $"the schema's pattern '{pattern}' is not a valid regular expression", "Fix the pattern in the runner's config schema.");
                }
                else if (!IsMatch(regex, text))
                {
                    Add(path, "schema.pattern", $"'{text}' does not match the pattern '{pattern}'", $"Change {Leaf(path)} to match '{pattern}'.");
                }
            }
        }

        private void CheckObject(JsonObject obj, JsonObject schema, string path, int depth)
        {
            if (schema["required"] is JsonArray required)
            {
                foreach (var name in required.Select(r => r?.GetValueKind() == JsonValueKind.String ? r.GetValue<string>() : null))
                {
                    if (name is not null && !obj.ContainsKey(name))
                    {
                        Add(JsonPaths.Property(path, name), "schema.required", $"'{name}' is required but missing", $"Add '{name}' to {Leaf(path)}.");
                    }
                }
            }

            var properties = schema["properties"] as JsonObject;
            var additional = schema["additionalProperties"];
            foreach (var (name, child) in obj)
            {
                var childPath = JsonPaths.Property(path, name);
                if (properties?[name] is JsonObject propertySchema)
                {
                    Check(child, propertySchema, childPath, depth + 1);
                }
                else if (properties is not null && properties.ContainsKey(name))
                {
                    // 'true' (or a non-object) allows anything.
                }
                else if (additional is JsonObject additionalSchema)
                {
                    Check(child, additionalSchema, childPath, depth + 1);
                }
                else if (additional is not null && additional.GetValueKind() == JsonValueKind.False)
                {
                    var known = properties is null || properties.Count == 0 ? "none" : string.Join(", ", properties.Select(p => p.Key));
                    Add(childPath, "schema.additionalProperties", $"'{name}' is not a known property (allowed: {known})", $"Remove '{name}' or correct its spelling.");
                }
            }
        }

        private void CheckArray(JsonArray array, JsonObject schema, string path, int depth)
        {
            if (Number(schema, "minItems") is { } minItems && array.Count < minItems)
            {
                Add(path, "schema.minItems", $"has {array.Count} items, fewer than the minimum {Format(minItems)}", $"Give {Leaf(path)} at least {Format(minItems)} items.");
            }

            if (Number(schema, "maxItems") is { } maxItems && array.Count > maxItems)
            {
                Add(path, "schema.maxItems", $"has {array.Count} items, more than the maximum {Format(maxItems)}", $"Give {Leaf(path)} at most {Format(maxItems)} items.");
            }

            switch (schema["items"])
            {
                case JsonObject itemSchema:
                    for (var i = 0; i < array.Count; i++)
                    {
                        Check(array[i], itemSchema, JsonPaths.Index(path, i), depth + 1);
                    }

                    break;
                case JsonArray tuple:
                    for (var i = 0; i < Math.Min(tuple.Count, array.Count); i++)
                    {
                        if (tuple[i] is JsonObject positional)
                        {
                            Check(array[i], positional, JsonPaths.Index(path, i), depth + 1);
                        }
                    }

                    break;
            }
        }

        private void CheckCombinators(JsonNode? value, JsonObject schema, string path, int depth)
        {
            if (schema["allOf"] is JsonArray allOf)
            {
                foreach (var branch in allOf.OfType<JsonObject>())
                {
                    Check(value, branch, path, depth + 1);
                }
            }

            if (schema["anyOf"] is JsonArray anyOf)
            {
                var results = Branches(value, anyOf, path, depth);
                if (results.Count > 0 && results.All(r => r.Count > 0))
                {
                    Add(path, "schema.anyOf", $"matches none of the {results.Count} allowed shapes ({Summarize(results)})", $"Change {Leaf(path)} to fit one of them.");
                }
            }

            if (schema["oneOf"] is JsonArray oneOf)
            {
                var results = Branches(value, oneOf, path, depth);
                var matching = results.Count(r => r.Count == 0);
                if (results.Count > 0 && matching == 0)
                {
                    Add(path, "schema.oneOf", $"matches none of the {results.Count} allowed shapes ({Summarize(results)})", $"Change {Leaf(path)} to fit exactly one of them.");
                }
                else if (matching > 1)
                {
                    Add(path, "schema.oneOf", $"matches {matching} of the allowed shapes, but must match exactly one", $"Make {Leaf(path)} more specific.");
                }
            }
        }

        private List<List<ValidationProblem>> Branches(JsonNode? value, JsonArray branches, string path, int depth)
        {
            var results = new List<List<ValidationProblem>>();
            foreach (var branch in branches.OfType<JsonObject>())
            {
                var branchProblems = new List<ValidationProblem>();
                new Checker(root, file, branchProblems).Check(value, branch, path, depth + 1);
                results.Add(branchProblems);
            }

            return results;
        }

        private static string Summarize(List<List<ValidationProblem>> results) =>
            string.Join("; ", results.Select((r, i) => $"{i + 1}: {(r[0].JsonPath is { } p ? p + " " : string.Empty)}{r[0].Message}"));

        private JsonObject? Resolve(string reference)
        {
            if (reference == "#")
            {
                return root;
            }

            if (!reference.StartsWith("#/", StringComparison.Ordinal))
            {
                return null;
            }

            JsonNode? current = root;
            foreach (var raw in reference[2..].Split('/'))
            {
                var segment = Uri.UnescapeDataString(raw).Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
                current = current is JsonObject o ? o[segment] : null;
            }

            return current as JsonObject;
        }

        private void Add(string path, string code, string message, string fix) =>
            problems.Add(new ValidationProblem { File = file, JsonPath = path, Code = code, Message = message, Fix = fix });
    }

    private static decimal? Number(JsonObject schema, string keyword) =>
        schema[keyword] is { } node && node.GetValueKind() == JsonValueKind.Number ? ToDecimal(node) : null;

    private static bool IsTrue(JsonNode? node) => node?.GetValueKind() == JsonValueKind.True;

    private static decimal? ToDecimal(JsonNode node)
    {
        var text = node.ToJsonString();
        if (decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            return d;
        }

        // Out of decimal's range: clamp through double so comparisons still work.
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var x)
            ? (x > 0 ? decimal.MaxValue : decimal.MinValue)
            : null;
    }

    private static string Format(decimal number) => number.ToString("0.############################", CultureInfo.InvariantCulture);

    private static int CodePoints(string text)
    {
        var count = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (!char.IsLowSurrogate(text[i]) || i == 0 || !char.IsHighSurrogate(text[i - 1]))
            {
                count++;
            }
        }

        return count;
    }

    private static Regex? CreateRegex(string pattern)
    {
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static bool IsMatch(Regex regex, string text)
    {
        try
        {
            return regex.IsMatch(text);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    private static string Article(string type) => type switch
    {
        "integer" or "object" or "array" => "an " + type,
        "null" => "null",
        _ => "a " + type,
    };

    private static string Describe(JsonNode? value, JsonValueKind kind)
    {
        var json = value?.ToJsonString() ?? "null";
        if (json.Length > 40)
        {
            json = json[..37] + "...";
        }

        return kind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.Null or JsonValueKind.Undefined => "null",
            JsonValueKind.String => "the string " + json,
            JsonValueKind.Number => "the number " + json,
            _ => json,
        };
    }

    private static string Leaf(string path) => $"'{path}'";
}
