namespace Dhee.RunPod;

/// <summary>One file in a worker-comfyui output.</summary>
/// <param name="Filename">The file name with its real extension (for pre-v5 <c>message</c> outputs, derived from the data URI or URL).</param>
/// <param name="IsUrl">True when <paramref name="Data"/> is a download URL (<c>s3_url</c> or a URL message), false for base64.</param>
/// <param name="Data">Base64 (no data-URI prefix) or the URL.</param>
public sealed record RunPodOutputItem(string Filename, bool IsUrl, string Data);
