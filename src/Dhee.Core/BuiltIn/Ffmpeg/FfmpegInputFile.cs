namespace Dhee.BuiltIn.Ffmpeg;

/// <summary>A media file given to an ffmpeg runner, with the input it came from.</summary>
/// <param name="InputName">The node input (upstream node or bundle input id).</param>
/// <param name="ItemId">The collection item, when the upstream is a collection.</param>
/// <param name="Path">The file's absolute path.</param>
internal sealed record FfmpegInputFile(string InputName, string? ItemId, string Path)
{
    /// <summary>Gets a short description for messages, for example <c>input 'clips' item 'shot_2' ('/p/a.mp4')</c>.</summary>
    public string Describe() => ItemId is null ? $"input '{InputName}' ('{Path}')" : $"input '{InputName}' item '{ItemId}' ('{Path}')";
}
