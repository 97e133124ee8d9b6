using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dhee.Inputs;

/// <summary>
/// A resolved input of a node: a file path, parsed JSON, text, a list or an item-keyed map.
/// Pattern-match on the derived types or switch on <see cref="Kind"/>.
/// </summary>
public abstract class InputValue
{
    private protected InputValue(string? itemId, string? sourcePath)
    {
        ItemId = itemId;
        SourcePath = sourcePath;
    }

    /// <summary>Gets the shape of this value.</summary>
    public abstract InputValueKind Kind { get; }

    /// <summary>Gets the collection item the value came from, when its upstream is a collection.</summary>
    public string? ItemId { get; }

    /// <summary>Gets the absolute path of the upstream output file the value was read from, if any.</summary>
    public string? SourcePath { get; }

    /// <summary>Renders the value as JSON: files as their absolute path, text as a string, lists as arrays, maps as objects.</summary>
    /// <returns>A new JSON node the caller may modify.</returns>
    public abstract JsonNode? ToJson();

    /// <summary>Renders the value as text: text as is, files as their path, everything else as compact JSON.</summary>
    /// <returns>The text form of the value.</returns>
    public virtual string ToText() => ToJson()?.ToJsonString(CompactJson) ?? "null";

    /// <inheritdoc/>
    public override string ToString() => ToText();

    private static readonly JsonSerializerOptions CompactJson = new() { WriteIndented = false };
}
