using System.Text.Json.Nodes;

namespace Dhee.Inputs;

/// <summary>An ordered list of values, as produced by <c>scope: previousN</c> or <c>aggregate: list</c>.</summary>
public sealed class ListInputValue : InputValue
{
    /// <summary>Initializes a new instance of the <see cref="ListInputValue"/> class.</summary>
    /// <param name="items">The values, in order.</param>
    public ListInputValue(IReadOnlyList<InputValue> items)
        : base(null, null)
    {
        ArgumentNullException.ThrowIfNull(items);
        Items = items;
    }

    /// <summary>Gets the values, in order.</summary>
    public IReadOnlyList<InputValue> Items { get; }

    /// <inheritdoc/>
    public override InputValueKind Kind => InputValueKind.List;

    /// <inheritdoc/>
    public override JsonNode? ToJson() => new JsonArray([.. Items.Select(item => item.ToJson())]);
}
