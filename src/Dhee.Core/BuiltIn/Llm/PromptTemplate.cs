using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dhee.Inputs;
using Dhee.Runners;

namespace Dhee.BuiltIn.Llm;

/// <summary>
/// <c>{{ name }}</c> prompt templates: variables come from the node's inputs (by upstream id), <c>item_id</c> and
/// <c>item</c> (the collection item's JSON); strings are
/// inserted as is, everything else as compact JSON. The marker <see cref="CacheBreakpoint"/> splits the rendered prompt into
/// a shared system prefix and a per-item user suffix so providers can cache the prefix.
/// </summary>
internal static partial class PromptTemplate
{
    /// <summary>The marker between the shared prefix and the per-item suffix.</summary>
    public const string CacheBreakpoint = "<<<DHEE_CACHE_BREAKPOINT>>>";

    /// <summary>The variables a template can use for this node instance.</summary>
    /// <param name="context">The runner context.</param>
    /// <returns>The values, by name.</returns>
    public static Dictionary<string, string> Variables(RunnerContext context)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in context.Inputs)
        {
            variables[name] = value switch
            {
                TextInputValue text => text.Text,
                JsonInputValue json when json.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                _ => value.ToText(),
            };
        }

        if (context.ItemId is not null)
        {
            variables["item_id"] = context.ItemId;
        }

        if (context.Item is { } item)
        {
            variables["item"] = item is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : item.ToJsonString();
        }

        return variables;
    }

    /// <summary>Renders <paramref name="template"/>, or lists the variables it uses that have no value.</summary>
    /// <param name="template">The template text.</param>
    /// <param name="variables">The values.</param>
    /// <param name="missing">The names without a value, in order of first use.</param>
    /// <returns>The rendered text (with missing variables left in place).</returns>
    public static string Render(string template, IReadOnlyDictionary<string, string> variables, out List<string> missing)
    {
        var absent = new List<string>();
        var rendered = Placeholder().Replace(template, match =>
        {
            var name = match.Groups[1].Value;
            if (variables.TryGetValue(name, out var value))
            {
                return value;
            }

            if (!absent.Contains(name, StringComparer.Ordinal))
            {
                absent.Add(name);
            }

            return match.Value;
        });
        missing = absent;
        return rendered;
    }

    /// <summary>Splits a rendered prompt at <see cref="CacheBreakpoint"/>.</summary>
    /// <param name="rendered">The rendered prompt.</param>
    /// <returns>The system prefix (null without a marker) and the user suffix.</returns>
    public static (string? System, string User) Split(string rendered)
    {
        var index = rendered.IndexOf(CacheBreakpoint, StringComparison.Ordinal);
        if (index < 0)
        {
            return (null, rendered.Trim());
        }

        var system = rendered[..index].Trim();
        var user = rendered[(index + CacheBreakpoint.Length)..].Replace(CacheBreakpoint, string.Empty, StringComparison.Ordinal).Trim();
        return (system.Length == 0 ? null : system, user);
    }

    [GeneratedRegex(@"\{\{\s*([A-Za-z_][A-Za-z0-9_\-]*)\s*\}\}", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();
}
