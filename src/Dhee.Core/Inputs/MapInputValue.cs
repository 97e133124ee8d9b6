using System.Text.Json.Nodes;

namespace Dhee.Inputs;

/// <summary>Values keyed by collection item id, as produced by <c>scope: all</c>; keys keep the upstream's item order.</summary>
public sealed class MapInputValue : InputValue
{
    /// <summary>Initializes a new instance of the <see cref="MapInputValue"/> class.</summary>
    /// <param name="entries">The values keyed by item id, in item order.</param>
    public MapInputValue(IReadOnlyList<KeyValuePair<string, InputValue>> entries)
        : base(null, null)
    {
        ArgumentNullException.ThrowIfNull(entries);
        Entries = entries;
    }

    /// <summary>Gets the values keyed by item id, in item order.</summary>
    public IReadOnlyList<KeyValuePair<string, InputValue>> Entries { get; }

    /// <summary>Gets the value for <paramref name="itemId"/>, or null.</summary>
    /// <param name="itemId">The item id.</param>
    /// <returns>The value, or null when the item has none.</returns>
    public InputValue? this[string itemId] => Entries.FirstOrDefault(e => e.Key == itemId).Value;

    /// <inheritdoc/>
    public override InputValueKind Kind => InputValueKind.Map;

    /// <inheritdoc/>
    public override JsonNode? ToJson()
    {
        var obj = new JsonObject();
        foreach (var (key, value) in Entries)
        {
            obj[key] = value.ToJson();
        }

        return obj;
    }
}
