namespace Dhee.Comfy;

/// <summary>Media types of the files ComfyUI takes and produces, by extension.</summary>
internal static class ComfyMediaTypes
{
    public static string ForExtension(string extension) => extension.ToLowerInvariant() switch
    {
        ".png" => "image/png",
        ".jpg" or ".jpeg" => "image/jpeg",
        ".webp" => "image/webp",
        ".gif" => "image/gif",
        ".mp4" => "video/mp4",
        ".webm" => "video/webm",
        ".wav" => "audio/wav",
        ".mp3" => "audio/mpeg",
        ".flac" => "audio/flac",
        ".json" => "application/json",
        _ => "application/octet-stream",
    };
}
