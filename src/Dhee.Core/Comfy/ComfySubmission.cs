namespace Dhee.Comfy;

/// <summary>A prompt the server accepted into its queue.</summary>
/// <param name="PromptId">The id the server uses (the client's own, or one the server minted).</param>
/// <param name="Number">The queue number.</param>
/// <param name="NodeErrors">Errors of outputs the server skipped while accepting the rest (usually empty).</param>
public sealed record ComfySubmission(string PromptId, long Number, IReadOnlyList<ComfyNodeError> NodeErrors);
