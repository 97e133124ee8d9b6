using System.Text.Json.Nodes;

namespace Dhee.Bundles;

/// <summary>A bundle-level input, resolved once at walk start and visible to every node that names it in <c>from</c>.</summary>
public sealed record BundleInputDeclaration
{
    /// <summary>Gets the input id, which nodes name in <see cref="NodeInput.From"/>.</summary>
    public required string Id { get; init; }

    /// <summary>Gets where the value comes from.</summary>
    public required BundleInputKind Kind { get; init; }

    /// <summary>Gets, for <see cref="BundleInputKind.File"/>, the project-relative file path.</summary>
    public string? Path { get; init; }

    /// <summary>Gets, for <see cref="BundleInputKind.Project"/>, the dot-path into the project settings.</summary>
    public string? Field { get; init; }

    /// <summary>Gets the value used when the file or field is absent.</summary>
    public JsonNode? Default { get; init; }

    /// <summary>Gets a value indicating whether the walk fails before any node runs when the value is absent and has no default.</summary>
    /// <value>The default value is true.</value>
    public bool Required { get; init; } = true;

    /// <summary>Gets the label shown to people.</summary>
    public string? Label { get; init; }
}
