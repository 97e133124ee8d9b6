using System.Text.Json.Nodes;

namespace Dhee.Comfy;

/// <summary>A progress event of one prompt. Events are delivered only to the prompt they belong to, never mixed between prompts.</summary>
/// <param name="PromptId">The prompt the event belongs to.</param>
public abstract record ComfyEvent(string PromptId);

/// <summary>The prompt waits in the queue.</summary>
/// <param name="PromptId">The prompt.</param>
/// <param name="Position">1 = next to run (after the running prompt).</param>
public sealed record ComfyQueuedEvent(string PromptId, int Position) : ComfyEvent(PromptId);

/// <summary>Execution started (<c>execution_start</c>).</summary>
/// <param name="PromptId">The prompt.</param>
public sealed record ComfyExecutionStartedEvent(string PromptId) : ComfyEvent(PromptId);

/// <summary>Nodes served from the server's execution cache (<c>execution_cached</c>).</summary>
/// <param name="PromptId">The prompt.</param>
/// <param name="Nodes">The cached node ids.</param>
public sealed record ComfyCachedNodesEvent(string PromptId, IReadOnlyList<string> Nodes) : ComfyEvent(PromptId);

/// <summary>A node started executing (<c>executing</c>).</summary>
/// <param name="PromptId">The prompt.</param>
/// <param name="NodeId">The node.</param>
public sealed record ComfyExecutingEvent(string PromptId, string NodeId) : ComfyEvent(PromptId);

/// <summary>Step progress of a node (<c>progress</c>).</summary>
/// <param name="PromptId">The prompt.</param>
/// <param name="NodeId">The node, when the server says.</param>
/// <param name="Value">Steps done.</param>
/// <param name="Max">Steps in total.</param>
public sealed record ComfyNodeProgressEvent(string PromptId, string? NodeId, long Value, long Max) : ComfyEvent(PromptId);

/// <summary>An output node finished (<c>executed</c>), with its UI output.</summary>
/// <param name="PromptId">The prompt.</param>
/// <param name="NodeId">The node.</param>
/// <param name="Output">The node's output object (<c>images</c>, <c>audio</c>, …).</param>
public sealed record ComfyNodeExecutedEvent(string PromptId, string NodeId, JsonObject Output) : ComfyEvent(PromptId);

/// <summary>A preview image from a binary frame.</summary>
/// <param name="PromptId">The prompt.</param>
/// <param name="NodeId">The node, when known.</param>
/// <param name="MediaType"><c>image/jpeg</c>, <c>image/png</c> or <c>image/webp</c>.</param>
/// <param name="Image">The encoded image.</param>
public sealed record ComfyPreviewEvent(string PromptId, string? NodeId, string MediaType, ReadOnlyMemory<byte> Image) : ComfyEvent(PromptId);

/// <summary>A text binary frame (type 3) from a node.</summary>
/// <param name="PromptId">The prompt.</param>
/// <param name="NodeId">The node, when the frame names it.</param>
/// <param name="Text">The text.</param>
public sealed record ComfyTextEvent(string PromptId, string? NodeId, string Text) : ComfyEvent(PromptId);

/// <summary>The WebSocket was re-established while the prompt was in flight; the client re-checked the truth.</summary>
/// <param name="PromptId">The prompt.</param>
public sealed record ComfyReconnectedEvent(string PromptId) : ComfyEvent(PromptId);

/// <summary>The state of every started node of the prompt (<c>progress_state</c>, sent by ComfyUI 0.3.44 and newer with each change).</summary>
/// <param name="PromptId">The prompt.</param>
/// <param name="Nodes">The started nodes: running, finished or failed, with their step progress.</param>
public sealed record ComfyProgressStateEvent(string PromptId, IReadOnlyList<ComfyNodeState> Nodes) : ComfyEvent(PromptId);
