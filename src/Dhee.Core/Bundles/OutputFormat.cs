namespace Dhee.Bundles;

/// <summary>The format of a node's output file, which decides how downstream nodes receive it.</summary>
public enum OutputFormat
{
    /// <summary>Markdown text (<c>md</c>).</summary>
    Markdown,

    /// <summary>JSON, parsed for downstream nodes.</summary>
    Json,

    /// <summary>Plain text.</summary>
    Text,

    /// <summary>An image file, passed downstream as a path.</summary>
    Image,

    /// <summary>A video file, passed downstream as a path.</summary>
    Video,

    /// <summary>An audio file, passed downstream as a path.</summary>
    Audio,
}
