using System.Text.Json.Nodes;

namespace Dhee.Inputs;

/// <summary>Parsed JSON produced upstream (a <c>.json</c> output) or given by the bundle.</summary>
public sealed class JsonInputValue : InputValue
{
    private readonly JsonNode? _value;

    /// <summary>Initializes a new instance of the <see cref="JsonInputValue"/> class.</summary>
    /// <param name="value">The parsed JSON; it is copied, so later changes by the caller do not leak in.</param>
    /// <param name="itemId">The collection item the value belongs to, if any.</param>
    /// <param name="sourcePath">The absolute path of the file it was read from, if any.</param>
    public JsonInputValue(JsonNode? value, string? itemId = null, string? sourcePath = null)
        : base(itemId, sourcePath)
    {
        _value = value?.DeepClone();
    }

    /// <inheritdoc/>
    public override InputValueKind Kind => InputValueKind.Json;

    /// <summary>Gets a copy of the JSON value.</summary>
    public JsonNode? Value => _value?.DeepClone();

    /// <inheritdoc/>
    public override JsonNode? ToJson() => _value?.DeepClone();
}
