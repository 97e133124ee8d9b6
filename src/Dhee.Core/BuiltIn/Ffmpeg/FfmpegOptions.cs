namespace Dhee.BuiltIn.Ffmpeg;

/// <summary>Where the <c>ffmpeg.*</c> runners find ffmpeg and how they encode.</summary>
/// <remarks>
/// The binaries are looked up in this order: <see cref="FfmpegPath"/> / <see cref="FfprobePath"/>, the
/// <c>DHEE_FFMPEG_PATH</c> / <c>DHEE_FFPROBE_PATH</c> environment variables, then the <c>PATH</c>.
/// </remarks>
public sealed class FfmpegOptions
{
    /// <summary>Gets or sets the ffmpeg executable, or null to use <c>DHEE_FFMPEG_PATH</c> or the <c>PATH</c>.</summary>
    public string? FfmpegPath { get; set; }

    /// <summary>Gets or sets the ffprobe executable, or null to use <c>DHEE_FFPROBE_PATH</c>, the folder of ffmpeg, or the <c>PATH</c>.</summary>
    public string? FfprobePath { get; set; }

    /// <summary>Gets or sets the video encoder used when clips are re-encoded.</summary>
    /// <value>The default value is <c>libx264</c>.</value>
    public string VideoCodec { get; set; } = "libx264";

    /// <summary>Gets or sets the encoder preset passed with <c>-preset</c> (x264/x265 speed/size trade-off), or null for none.</summary>
    /// <value>The default value is <c>veryfast</c>.</value>
    public string? Preset { get; set; } = "veryfast";

    /// <summary>Gets or sets the audio encoder used when audio is re-encoded.</summary>
    /// <value>The default value is <c>aac</c>.</value>
    public string AudioCodec { get; set; } = "aac";
}
