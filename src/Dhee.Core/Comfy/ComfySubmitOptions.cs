using System.Text.Json.Nodes;

namespace Dhee.Comfy;

/// <summary>Per-prompt settings for <see cref="ComfyClient.SubmitAsync"/>.</summary>
public sealed class ComfySubmitOptions
{
    /// <summary>Gets or sets where this prompt's progress events go (only this prompt's events, never another's).</summary>
    public IProgress<ComfyEvent>? Progress { get; set; }

    /// <summary>Gets or sets extra data sent with the prompt (<c>extra_data</c>, e.g. <c>api_key_comfy_org</c>); the client id is added.</summary>
    public JsonObject? ExtraData { get; set; }

    /// <summary>Gets or sets a value indicating whether the prompt jumps to the front of the queue.</summary>
    public bool Front { get; set; }

    /// <summary>Gets or sets a value indicating whether the workflow is checked against the server's <c>/object_info</c> before it is queued (same typed errors, nothing queued on failure).</summary>
    public bool ValidateFirst { get; set; }

    /// <summary>Gets or sets the prompt id to use; null generates a lowercase UUID.</summary>
    public string? PromptId { get; set; }
}
