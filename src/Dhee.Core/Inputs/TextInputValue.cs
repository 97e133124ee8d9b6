using System.Text.Json.Nodes;

namespace Dhee.Inputs;

/// <summary>Text produced upstream (Markdown, plain text) or given by the bundle.</summary>
public sealed class TextInputValue : InputValue
{
    /// <summary>Initializes a new instance of the <see cref="TextInputValue"/> class.</summary>
    /// <param name="text">The text.</param>
    /// <param name="itemId">The collection item the text belongs to, if any.</param>
    /// <param name="sourcePath">The absolute path of the file it was read from, if any.</param>
    public TextInputValue(string text, string? itemId = null, string? sourcePath = null)
        : base(itemId, sourcePath)
    {
        ArgumentNullException.ThrowIfNull(text);
        Text = text;
    }

    /// <summary>Gets the text.</summary>
    public string Text { get; }

    /// <inheritdoc/>
    public override InputValueKind Kind => InputValueKind.Text;

    /// <inheritdoc/>
    public override JsonNode? ToJson() => JsonValue.Create(Text);

    /// <inheritdoc/>
    public override string ToText() => Text;
}
