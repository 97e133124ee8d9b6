namespace Dhee.Testing.RunPod;

/// <summary>How a <see cref="LoopbackRunPodServer"/> returns produced files in a job's <c>output</c>.</summary>
public enum LoopbackRunPodOutputMode
{
    /// <summary>worker-comfyui 5+: <c>images[]</c> entries with <c>type: "base64"</c>.</summary>
    Base64,

    /// <summary>worker-comfyui 5+ with S3 configured: <c>images[]</c> entries with <c>type: "s3_url"</c>; the URL points back at the loopback server.</summary>
    S3Url,

    /// <summary>Before worker-comfyui 5: <c>{"status": "success", "message": "data:image/png;base64,…"}</c> (first file only).</summary>
    LegacyBase64,

    /// <summary>Before worker-comfyui 5 with S3: <c>{"status": "success", "message": "http://…"}</c> (first file only).</summary>
    LegacyUrl,
}
