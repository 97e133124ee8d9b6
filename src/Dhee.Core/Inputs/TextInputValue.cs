using System.Text.Json.Nodes;

namespace Dhee.Inputs;

/// <summary>Text produced upstream (Markdown, plain text) or given by the bundle.</summary>
public sealed class TextInputValue : InputValue
{
    private readonly Func<string>? _read;
    private string? _text;

    /// <summary>Initializes a new instance of the <see cref="TextInputValue"/> class.</summary>
    /// <param name="text">The text.</param>
    /// <param name="itemId">The collection item the text belongs to, if any.</param>
    /// <param name="sourcePath">The absolute path of the file it was read from, if any.</param>
    public TextInputValue(string text, string? itemId = null, string? sourcePath = null)
        : base(itemId, sourcePath)
    {
        ArgumentNullException.ThrowIfNull(text);
        _text = text;
    }

    // Text read from a file on first use: most runners of a large walk never look at some of their inputs' text.
    private TextInputValue(Func<string> read, string? itemId, string sourcePath)
        : base(itemId, sourcePath)
        => _read = read;

    /// <summary>Gets the text.</summary>
    public string Text => _text ?? LazyInitializer.EnsureInitialized(ref _text, _read!);

    /// <inheritdoc/>
    public override InputValueKind Kind => InputValueKind.Text;

    /// <inheritdoc/>
    public override JsonNode? ToJson() => JsonValue.Create(Text);

    /// <inheritdoc/>
    public override string ToText() => Text;

    /// <summary>Creates a value whose text is read from <paramref name="fullPath"/> when first used.</summary>
    internal static TextInputValue ReadLater(string fullPath, string? itemId, Func<string, string> read)
        => new(() => read(fullPath), itemId, fullPath);
}
