using System.Text.Json.Nodes;
using Dhee.BuiltIn;
using Dhee.Runners;

namespace Dhee.Comfy.Runners;

/// <summary>
/// <c>comfy.tti</c>: a BOUND runner for one workflow family — the text-to-image graph in
/// <c>samples/bundles/comfy-tti/workflows/comfy_tti.json</c> (checkpoint → CLIP encode → KSampler → VAE decode → save,
/// with an optional reference-image branch). It knows that graph's node ids: without a <c>reference_image</c> input it
/// prunes the LoadImage/VAEEncode branch and feeds the sampler from the empty latent. Plumbing is the shared <see cref="ComfyExecutor"/>.
/// </summary>
public sealed class ComfyTtiRunner : IRunner
{
    /// <summary>The tool id.</summary>
    public const string Tool = "comfy.tti";

    /// <summary>The optional reference-image input.</summary>
    public const string ReferenceImageInput = "reference_image";

    private const string DefaultWorkflow = "workflows/comfy_tti.json";
    private const string DefaultManifest = "workflows/comfy_tti.manifest.json";
    private readonly ComfyExecutor _executor;

    /// <summary>Initializes a new instance of the <see cref="ComfyTtiRunner"/> class.</summary>
    /// <param name="executor">The executor; null uses one with real clients and environment endpoints.</param>
    public ComfyTtiRunner(ComfyExecutor? executor = null) => _executor = executor ?? new ComfyExecutor();

    /// <summary>Gets the registration manifest.</summary>
    public static RunnerManifest Manifest { get; } = BuiltInManifests.Create(Tool, "ComfyUI text to image", "Text-to-image (optionally image-guided) with the bundled SD-style ComfyUI workflow.");

    /// <summary>Gets the prune plan for a run without a reference image: the LoadImage (10) and VAEEncode (11) nodes go, the sampler reads the empty latent (5).</summary>
    public static ComfyPrunePlan NoReferencePlan { get; } = new(["10", "11"], [new ComfyRedirect("11", "5")]);

    /// <summary>Tells whether a workflow has this family's optional reference branch (LoadImage 10 → VAEEncode 11), so other text-to-image workflows given through <c>workflowPath</c> are never pruned.</summary>
    /// <param name="workflow">The API workflow.</param>
    /// <returns>True when nodes 10 and 11 are the reference branch.</returns>
    public static bool HasReferenceBranch(JsonObject workflow)
        => workflow?["10"]?["class_type"]?.ToString() == "LoadImage" && workflow["11"]?["class_type"]?.ToString() == "VAEEncode";

    /// <inheritdoc/>
    public RunnerDescription Describe() => new()
    {
        Id = Tool,
        DisplayName = "ComfyUI text to image",
        Description = "Generates an image from a prompt with the comfy_tti workflow; a reference_image input switches it to image-to-image.",
        Capabilities = ["text-to-image", "image-to-image"],
        InputModalities = [Modality.Text, Modality.Image],
        OutputModalities = [Modality.Image],
        CostHint = CostHint.LocalGpu,
        ConfigSchema = JsonNode.Parse("""
            {"type": "object", "properties": {
              "endpoint": {"type": "string"}, "prompt": {"type": "string"}, "negativePrompt": {"type": "string"},
              "checkpoint": {"type": "string"}, "width": {"type": "integer", "minimum": 16}, "height": {"type": "integer", "minimum": 16},
              "steps": {"type": "integer", "minimum": 1}, "seed": {"type": "integer"}, "denoise": {"type": "number"},
              "workflowPath": {"type": "string"}, "manifestPath": {"type": "string"}, "forceRerun": {"type": "boolean"}
            }}
            """)!.AsObject(),
    };

    /// <inheritdoc/>
    public async ValueTask<RunnerResult> RunAsync(RunnerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var config = context.Config;
        var (prompt, scalars, images, error) = ComfyRunnerInputs.Collect(context);
        if (error is not null)
        {
            return RunnerResult.Failure($"{Tool} node '{context.Node.Id}': {error}");
        }

        foreach (var name in new[] { "negativePrompt", "checkpoint", "width", "height", "steps", "denoise" })
        {
            if (config[name] is JsonNode value && !scalars.ContainsKey(name))
            {
                scalars[name] = value.DeepClone();
            }
        }

        return await _executor.ExecuteAsync(context, new ComfyExecutionRequest
        {
            Tool = Tool,
            WorkflowPath = ComfyRunnerInputs.ConfigString(config, "workflowPath") ?? DefaultWorkflow,
            ManifestPath = ComfyRunnerInputs.ConfigString(config, "manifestPath") ?? DefaultManifest,
            Endpoint = ComfyRunnerInputs.ConfigString(config, "endpoint"),
            Prompt = prompt,
            Seed = ComfyRunnerInputs.ConfigSeed(config),
            Scalars = scalars,
            ImageInputs = images,
            ForceRerun = ComfyRunnerInputs.ConfigBool(config, "forceRerun"),
            PruneAbsent = (workflow, present) => present.Contains(ReferenceImageInput) || !HasReferenceBranch(workflow) ? null : NoReferencePlan,
        }).ConfigureAwait(false);
    }
}
