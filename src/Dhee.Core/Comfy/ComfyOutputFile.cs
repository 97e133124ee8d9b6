namespace Dhee.Comfy;

/// <summary>One file a prompt produced, as listed in its history outputs.</summary>
/// <param name="NodeId">The output node.</param>
/// <param name="Kind">The output key it was listed under (<c>images</c>, <c>gifs</c>, <c>audio</c>, or any custom key).</param>
/// <param name="Filename">The file name.</param>
/// <param name="Subfolder">The subfolder (may be empty).</param>
/// <param name="Type"><c>output</c>, <c>temp</c> or <c>input</c>.</param>
/// <param name="Animated">True when the node flagged the output as animated (animated WEBP/PNG, video).</param>
public sealed record ComfyOutputFile(string NodeId, string Kind, string Filename, string Subfolder, string Type, bool Animated = false)
{
    /// <summary>Gets a value indicating whether the file is a temporary preview (<c>type: temp</c>) rather than a saved output.</summary>
    public bool IsTemporary => string.Equals(Type, "temp", StringComparison.Ordinal);

    /// <summary>Gets the file extension in lower case, with the dot.</summary>
    public string Extension => Path.GetExtension(Filename).ToLowerInvariant();
}
