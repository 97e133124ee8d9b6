using System.Text.Json.Nodes;

namespace Dhee.Comfy;

/// <summary>The outcome of one prompt: status, every output, the cached nodes and, on failure, why.</summary>
public sealed class ComfyPromptResult
{
    /// <summary>Gets the prompt id (the server's).</summary>
    public required string PromptId { get; init; }

    /// <summary>Gets the final status.</summary>
    public required ComfyPromptStatus Status { get; init; }

    /// <summary>Gets every file output (saved and temporary, of any kind).</summary>
    public IReadOnlyList<ComfyOutputFile> Files { get; init; } = [];

    /// <summary>Gets text outputs (<c>text</c> keys) as (node id, text).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Texts { get; init; } = [];

    /// <summary>Gets the raw <c>outputs</c> object of the history entry (node id → output object), including keys the client does not know.</summary>
    public JsonObject RawOutputs { get; init; } = [];

    /// <summary>Gets the nodes the server served from its execution cache.</summary>
    public IReadOnlyList<string> CachedNodes { get; init; } = [];

    /// <summary>Gets the runtime error when <see cref="Status"/> is <see cref="ComfyPromptStatus.Failed"/>.</summary>
    public ComfyExecutionError? Error { get; init; }

    /// <summary>Gets the node at which an interrupted prompt stopped.</summary>
    public string? InterruptedAtNode { get; init; }

    /// <summary>Gets a human-readable explanation for a non-successful status (names the endpoint and what to do).</summary>
    public string? Message { get; init; }

    /// <summary>Gets a value indicating whether the prompt succeeded.</summary>
    public bool IsSuccess => Status == ComfyPromptStatus.Succeeded;

    /// <summary>Gets the saved (non-temporary) files, or every file when none is saved.</summary>
    public IReadOnlyList<ComfyOutputFile> PrimaryFiles
    {
        get
        {
            var saved = Files.Where(f => !f.IsTemporary).ToList();
            return saved.Count > 0 ? saved : Files;
        }
    }

    /// <summary>Throws a <see cref="ComfyException"/> carrying <see cref="Message"/> unless the prompt succeeded.</summary>
    /// <returns>This result.</returns>
    public ComfyPromptResult EnsureSuccess() => IsSuccess ? this : throw new ComfyException(Message ?? $"prompt {PromptId} ended {Status}");
}
