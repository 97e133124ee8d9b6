namespace Dhee.Runners;

/// <summary>A kind of media a runner consumes or produces.</summary>
public enum Modality
{
    /// <summary>Plain or structured text, including JSON and Markdown.</summary>
    Text,

    /// <summary>Still images.</summary>
    Image,

    /// <summary>Video clips.</summary>
    Video,

    /// <summary>Audio clips.</summary>
    Audio,
}
