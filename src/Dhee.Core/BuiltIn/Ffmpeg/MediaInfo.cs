namespace Dhee.BuiltIn.Ffmpeg;

/// <summary>What ffprobe reports about a media file.</summary>
/// <param name="Path">The probed file.</param>
/// <param name="FormatName">The container format, for example <c>mov,mp4,m4a,3gp,3g2,mj2</c> or <c>png_pipe</c>.</param>
/// <param name="DurationSeconds">The duration, or null for still images and unknown durations.</param>
/// <param name="Video">The first video stream, if any.</param>
/// <param name="Audio">The first audio stream, if any.</param>
internal sealed record MediaInfo(string Path, string FormatName, double? DurationSeconds, VideoStreamInfo? Video, AudioStreamInfo? Audio)
{
    /// <summary>Gets a value indicating whether the file is a still image (an image demuxer or a single-frame picture codec).</summary>
    public bool IsStillImage => Video is not null && Audio is null
        && (FormatName.EndsWith("_pipe", StringComparison.Ordinal) || FormatName.Contains("image2", StringComparison.Ordinal)
            || DurationSeconds is null or 0);

    /// <summary>Gets a value indicating whether the file has audio and no video.</summary>
    public bool IsAudioOnly => Audio is not null && (Video is null || Video.IsAttachedPicture);

    /// <summary>Gets a value indicating whether the file is a video clip (moving pictures).</summary>
    public bool IsVideoClip => Video is not null && !Video.IsAttachedPicture && !IsStillImage;
}

/// <summary>A video stream as ffprobe reports it.</summary>
/// <param name="Codec">The codec name, for example <c>h264</c>.</param>
/// <param name="Width">The width in pixels.</param>
/// <param name="Height">The height in pixels.</param>
/// <param name="PixelFormat">The pixel format, for example <c>yuv420p</c>.</param>
/// <param name="FrameRate">The frame rate as ffprobe writes it, for example <c>25/1</c>.</param>
/// <param name="IsAttachedPicture">True for cover art embedded in audio files.</param>
internal sealed record VideoStreamInfo(string Codec, int Width, int Height, string? PixelFormat, string? FrameRate, bool IsAttachedPicture);

/// <summary>An audio stream as ffprobe reports it.</summary>
/// <param name="Codec">The codec name, for example <c>aac</c>.</param>
/// <param name="SampleRate">The sample rate in Hz.</param>
/// <param name="Channels">The number of channels.</param>
internal sealed record AudioStreamInfo(string Codec, int SampleRate, int Channels);
