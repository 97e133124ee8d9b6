using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Dhee.BuiltIn.Llm;

/// <summary>Cleans and parses model answers: code fences removed, JSON parsed with a readable error.</summary>
internal static partial class LlmAnswer
{
    /// <summary>Removes a Markdown code fence around (or, failing that, within) an answer.</summary>
    /// <param name="text">The raw answer.</param>
    /// <returns>The answer without the fence, trimmed.</returns>
    public static string StripFences(string text)
    {
        var trimmed = text.Trim();
        var whole = WholeFence().Match(trimmed);
        if (whole.Success)
        {
            return whole.Groups[1].Value.Trim();
        }

        // Prose around one fenced block ("Here is the JSON: ```json … ```"): take the block.
        var inner = InnerFence().Match(trimmed);
        return inner.Success ? inner.Groups[1].Value.Trim() : trimmed;
    }

    /// <summary>Parses JSON, explaining the failure in words a model can act on.</summary>
    /// <param name="text">The cleaned answer.</param>
    /// <param name="value">The parsed value.</param>
    /// <param name="error">Why it is not JSON.</param>
    /// <returns>True when the answer is one JSON document.</returns>
    public static bool TryParseJson(string text, out JsonNode? value, out string? error)
    {
        value = null;
        error = null;
        if (text.Length == 0)
        {
            error = "the answer was empty";
            return false;
        }

        try
        {
            value = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
            return true;
        }
        catch (JsonException ex)
        {
            error = $"the answer is not valid JSON ({ex.Message.Split(" Path:", 2)[0].TrimEnd('.')} at line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1})";
            return false;
        }
    }

    [GeneratedRegex(@"^```[A-Za-z0-9_+\-]*[ \t]*\r?\n(.*?)\r?\n?```$", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex WholeFence();

    [GeneratedRegex(@"```(?:json|JSON)?[ \t]*\r?\n(.*?)\r?\n?```", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex InnerFence();
}
