using System.Text.RegularExpressions;

namespace Dhee.Registry;

/// <summary>Rules for runner tool ids: dot-namespaced, lower case, like <c>llm.generate</c> or <c>comfy.tti.cloud</c>.</summary>
internal static partial class ToolIds
{
    /// <summary>The rule, in words, for messages.</summary>
    public const string Rule = "a dot-namespaced id of lower-case letters, digits, '-' and '_', like 'llm.generate' or 'comfy.tti'";

    /// <summary>True when <paramref name="tool"/> is a valid tool id.</summary>
    public static bool IsValid(string? tool) => tool is not null && Pattern().IsMatch(tool);

    /// <summary>Gets the NuGet package id that conventionally ships a tool: <c>Dhee.Runner.</c> plus its first segment, capitalized (<c>comfy.tti</c> → <c>Dhee.Runner.Comfy</c>).</summary>
    public static string PackageId(string tool)
    {
        var first = tool.Split('.')[0];
        var words = first.Split('-', '_', StringSplitOptions.RemoveEmptyEntries);
        return "Dhee.Runner." + string.Concat(words.Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]*(\\.[a-z0-9][a-z0-9_-]*)+$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
