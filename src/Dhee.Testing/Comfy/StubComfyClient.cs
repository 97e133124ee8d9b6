using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Dhee.Comfy;

namespace Dhee.Testing.Comfy;

/// <summary>
/// An in-memory <see cref="IComfyClient"/> for unit tests of Comfy runners: records uploads and submitted workflows and
/// answers with a result you choose (by default: success with one PNG per save node). No network.
/// Inject it with <see cref="StubComfyClientFactory"/>.
/// </summary>
public sealed class StubComfyClient : IComfyClient
{
    private readonly ConcurrentQueue<JsonObject> _prompts = new();
    private readonly ConcurrentQueue<string> _uploads = new();
    private readonly ConcurrentDictionary<string, JsonObject> _byId = new(StringComparer.Ordinal);
    private ComfyObjectInfo? _objectInfo;

    /// <summary>Gets or sets the address the stub reports.</summary>
    public Uri BaseAddress { get; set; } = new("http://stub-comfy.invalid/");

    /// <summary>Gets or sets the catalog returned by <see cref="GetObjectInfoAsync"/>; defaults to the bundled ComfyUI 0.3.18 catalog.</summary>
    public ComfyObjectInfo ObjectInfo
    {
        get => _objectInfo ??= new ComfyObjectInfo(LoopbackObjectInfo.Load());
        set => _objectInfo = value;
    }

    /// <summary>Gets or sets the bytes every downloaded output gets; defaults to a small PNG.</summary>
    public byte[] OutputBytes { get; set; } = LoopbackPng.Solid(4, 4, 10, 20, 30);

    /// <summary>Gets or sets how a submitted workflow is answered; null answers success with one PNG per SaveImage/PreviewImage node.</summary>
    public Func<JsonObject, string, ComfyPromptResult>? Respond { get; set; }

    /// <summary>Gets or sets an exception thrown by <see cref="SubmitAsync"/> (for example a <see cref="ComfyValidationException"/>).</summary>
    public Exception? SubmitFailure { get; set; }

    /// <summary>Gets the submitted workflows, oldest first.</summary>
    public IReadOnlyList<JsonObject> SubmittedPrompts => [.. _prompts];

    /// <summary>Gets the uploaded local file paths, oldest first.</summary>
    public IReadOnlyList<string> UploadedFiles => [.. _uploads];

    /// <summary>Gets how many times the stub was disposed (the executor disposes each client it creates).</summary>
    public int DisposeCount { get; private set; }

    /// <inheritdoc/>
    public Task<ComfyObjectInfo> GetObjectInfoAsync(bool refresh = false, CancellationToken cancellationToken = default) => Task.FromResult(ObjectInfo);

    /// <inheritdoc/>
    public Task<ComfyUploadResult> UploadAsync(string filePath, ComfyUploadKind kind = ComfyUploadKind.Image, ComfyUploadResult? originalRef = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _uploads.Enqueue(filePath);
        return Task.FromResult(new ComfyUploadResult("stub-" + Path.GetFileName(filePath), string.Empty, "input", false));
    }

    /// <inheritdoc/>
    public Task<ComfySubmission> SubmitAsync(JsonObject prompt, ComfySubmitOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (SubmitFailure is not null)
        {
            throw SubmitFailure;
        }

        var id = Guid.NewGuid().ToString();
        var copy = (JsonObject)prompt.DeepClone();
        _prompts.Enqueue(copy);
        _byId[id] = copy;
        return Task.FromResult(new ComfySubmission(id, _prompts.Count - 1, []));
    }

    /// <inheritdoc/>
    public Task<ComfyPromptResult> WaitAsync(string promptId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var prompt = _byId.TryGetValue(promptId, out var p) ? p : [];
        if (Respond is not null)
        {
            return Task.FromResult(Respond(prompt, promptId));
        }

        var files = prompt.Where(n => n.Value?["class_type"]?.ToString() is "SaveImage" or "PreviewImage")
            .Select((n, i) => new ComfyOutputFile(n.Key, "images", $"stub_{i + 1:00000}_.png", string.Empty, n.Value!["class_type"]!.ToString() == "PreviewImage" ? "temp" : "output"))
            .ToList();
        return Task.FromResult(new ComfyPromptResult { PromptId = promptId, Status = ComfyPromptStatus.Succeeded, Files = files });
    }

    /// <inheritdoc/>
    public async Task<long> DownloadAsync(ComfyOutputFile file, string destinationPath, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(destinationPath))!);
        var temp = destinationPath + ".stub.tmp";
        await File.WriteAllBytesAsync(temp, OutputBytes, cancellationToken).ConfigureAwait(false);
        File.Move(temp, destinationPath, overwrite: true);
        return OutputBytes.LongLength;
    }

    /// <inheritdoc/>
    public Task<ComfyPromptStatus> CancelAsync(string promptId, CancellationToken cancellationToken = default) => Task.FromResult(ComfyPromptStatus.Lost);

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        DisposeCount++;
        return ValueTask.CompletedTask;
    }
}
