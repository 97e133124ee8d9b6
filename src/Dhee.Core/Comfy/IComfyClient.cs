using System.Text.Json.Nodes;

namespace Dhee.Comfy;

/// <summary>The ComfyUI operations the <see cref="ComfyExecutor"/> needs; implemented by <see cref="ComfyClient"/> and by test stubs (<c>Dhee.Testing.Comfy.StubComfyClient</c>).</summary>
public interface IComfyClient : IAsyncDisposable
{
    /// <summary>Gets the server address (no credentials).</summary>
    Uri BaseAddress { get; }

    /// <summary>Reads the node catalog (cached per endpoint).</summary>
    /// <param name="refresh">True to bypass the cache.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The catalog.</returns>
    Task<ComfyObjectInfo> GetObjectInfoAsync(bool refresh = false, CancellationToken cancellationToken = default);

    /// <summary>Uploads a file to the server's input folder.</summary>
    /// <param name="filePath">The local file.</param>
    /// <param name="kind">Image or mask.</param>
    /// <param name="originalRef">For masks, the image the mask belongs to.</param>
    /// <param name="cancellationToken">Cancels the upload.</param>
    /// <returns>The stored name.</returns>
    Task<ComfyUploadResult> UploadAsync(string filePath, ComfyUploadKind kind = ComfyUploadKind.Image, ComfyUploadResult? originalRef = null, CancellationToken cancellationToken = default);

    /// <summary>Queues an API workflow.</summary>
    /// <param name="prompt">The workflow.</param>
    /// <param name="options">Per-prompt settings.</param>
    /// <param name="cancellationToken">Cancels the submit.</param>
    /// <returns>The accepted prompt.</returns>
    Task<ComfySubmission> SubmitAsync(JsonObject prompt, ComfySubmitOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Waits for a prompt's final status.</summary>
    /// <param name="promptId">The prompt.</param>
    /// <param name="cancellationToken">Cancels the wait (and the prompt).</param>
    /// <returns>The result.</returns>
    Task<ComfyPromptResult> WaitAsync(string promptId, CancellationToken cancellationToken = default);

    /// <summary>Downloads an output atomically.</summary>
    /// <param name="file">The output.</param>
    /// <param name="destinationPath">The destination.</param>
    /// <param name="cancellationToken">Cancels the download.</param>
    /// <returns>Bytes written.</returns>
    Task<long> DownloadAsync(ComfyOutputFile file, string destinationPath, CancellationToken cancellationToken = default);

    /// <summary>Cancels a queued or running prompt.</summary>
    /// <param name="promptId">The prompt.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The status it had.</returns>
    Task<ComfyPromptStatus> CancelAsync(string promptId, CancellationToken cancellationToken = default);
}
