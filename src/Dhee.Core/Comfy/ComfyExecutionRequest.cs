using System.Text.Json.Nodes;

namespace Dhee.Comfy;

/// <summary>What a Comfy runner asks the <see cref="ComfyExecutor"/> to do: one workflow, its inputs, where to run it and where to write the result.</summary>
public sealed class ComfyExecutionRequest
{
    /// <summary>Gets the tool id of the calling runner (part of the cache key and of every message).</summary>
    public required string Tool { get; init; }

    /// <summary>Gets the tool version (part of the cache key). Default "1".</summary>
    public string ToolVersion { get; init; } = "1";

    /// <summary>Gets the workflow file, relative to the bundle folder (API format; UI format is converted with the endpoint's <c>/object_info</c>).</summary>
    public string? WorkflowPath { get; init; }

    /// <summary>Gets the workflow itself, instead of <see cref="WorkflowPath"/>.</summary>
    public JsonObject? Workflow { get; init; }

    /// <summary>Gets the manifest file, relative to the bundle folder.</summary>
    public string? ManifestPath { get; init; }

    /// <summary>Gets the manifest itself, instead of <see cref="ManifestPath"/>.</summary>
    public ComfyWorkflowManifest? Manifest { get; init; }

    /// <summary>Gets the endpoint name or address; null uses the default endpoint.</summary>
    public string? Endpoint { get; init; }

    /// <summary>Gets the output path relative to the project; null uses the node's rendered output path.</summary>
    public string? OutputPath { get; init; }

    /// <summary>Gets the text prompt (reserved input <c>prompt</c>).</summary>
    public string? Prompt { get; init; }

    /// <summary>Gets the seed (reserved input <c>seed</c>); null derives a stable seed from the other inputs, so a run is reproducible and cacheable.</summary>
    public long? Seed { get; init; }

    /// <summary>Gets named scalar inputs (width, steps, …) applied through the manifest's mappings; all are part of the cache key.</summary>
    public IReadOnlyDictionary<string, JsonNode?> Scalars { get; init; } = new Dictionary<string, JsonNode?>();

    /// <summary>Gets named image inputs (name → absolute local path), present ones only; they are uploaded and mapped by name.</summary>
    public IReadOnlyDictionary<string, string> ImageInputs { get; init; } = new Dictionary<string, string>();

    /// <summary>Gets a value indicating whether the cache is bypassed (the result is still stored).</summary>
    public bool ForceRerun { get; init; }

    /// <summary>Gets a callback for bound runners with optional branches: given the workflow and the present image input names, it returns what to prune (applied before mapping).</summary>
    public Func<JsonObject, IReadOnlySet<string>, ComfyPrunePlan?>? PruneAbsent { get; init; }

    /// <summary>Gets extra data sent with the prompt (<c>extra_data</c>).</summary>
    public JsonObject? ExtraData { get; init; }

    /// <summary>Gets a value indicating whether the workflow is checked against the endpoint's <c>/object_info</c> before queueing. Default true.</summary>
    public bool ValidateBeforeSubmit { get; init; } = true;

    /// <summary>Gets a chooser of the output to keep; null keeps the first saved output whose extension matches the output path (else the first saved output).</summary>
    public Func<IReadOnlyList<ComfyOutputFile>, ComfyOutputFile?>? SelectOutput { get; init; }

    /// <summary>Gets where per-prompt progress events go, in addition to the runner context's progress.</summary>
    public IProgress<ComfyEvent>? Progress { get; init; }
}
