namespace Dhee.Comfy;

/// <summary>Which upload route to use.</summary>
public enum ComfyUploadKind
{
    /// <summary><c>POST /upload/image</c>.</summary>
    Image,

    /// <summary><c>POST /upload/mask</c> (needs the image the mask belongs to).</summary>
    Mask,
}
