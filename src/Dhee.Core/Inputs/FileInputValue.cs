using System.Text.Json.Nodes;

namespace Dhee.Inputs;

/// <summary>A binary file produced upstream or declared by the bundle, given as an absolute path.</summary>
public sealed class FileInputValue : InputValue
{
    /// <summary>Initializes a new instance of the <see cref="FileInputValue"/> class.</summary>
    /// <param name="path">The file's absolute path.</param>
    /// <param name="itemId">The collection item the file belongs to, if any.</param>
    public FileInputValue(string path, string? itemId = null)
        : base(itemId, path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = path;
    }

    /// <summary>Gets the file's absolute path.</summary>
    public string Path { get; }

    /// <inheritdoc/>
    public override InputValueKind Kind => InputValueKind.File;

    /// <inheritdoc/>
    public override JsonNode? ToJson() => JsonValue.Create(Path);

    /// <inheritdoc/>
    public override string ToText() => Path;
}
