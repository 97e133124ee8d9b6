namespace Dhee.RunPod;

/// <summary>One file in a worker-comfyui output.</summary>
/// <param name="Filename">The file name with its real extension (for pre-v5 <c>message</c> outputs, derived from the data URI or URL).</param>
/// <param name="IsUrl">True when <paramref name="Data"/> is a download URL (<c>s3_url</c> or a URL message), false for base64.</param>
/// <param name="Data">Base64 (no data-URI prefix) or the URL; for a base64 value too long to keep in memory, only its start (see <see cref="IsDeferred"/>).</param>
public sealed record RunPodOutputItem(string Filename, bool IsUrl, string Data)
{
    /// <summary>Gets a value indicating whether the base64 was too long to keep: saving reads it again from the job's <c>/status</c> and decodes it straight to disk.</summary>
    public bool IsDeferred => DeferredPath is not null;

    /// <summary>Gets the job whose <c>/status</c> holds the whole value.</summary>
    internal string? JobId { get; init; }

    /// <summary>Gets the JSON pointer of the whole value in that answer.</summary>
    internal string? DeferredPath { get; init; }
}
