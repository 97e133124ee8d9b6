using System.Text.Json.Nodes;
using Dhee.BuiltIn;
using Dhee.Runners;

namespace Dhee.Comfy.Runners;

/// <summary>
/// <c>comfy.workflow</c>: a GENERIC runner that runs any ComfyUI workflow (API format, or UI format converted with the
/// endpoint's catalog) with its manifest. All knowledge is in config and data: <c>workflowPath</c>, <c>manifestPath</c>,
/// <c>endpoint</c>, <c>prompt</c>, <c>seed</c>, <c>inputs</c> (scalars), <c>forceRerun</c>; file inputs become image inputs.
/// </summary>
public sealed class ComfyWorkflowRunner : IRunner
{
    /// <summary>The tool id.</summary>
    public const string Tool = "comfy.workflow";

    private readonly ComfyExecutor _executor;

    /// <summary>Initializes a new instance of the <see cref="ComfyWorkflowRunner"/> class.</summary>
    /// <param name="executor">The executor; null uses one with real clients and environment endpoints.</param>
    public ComfyWorkflowRunner(ComfyExecutor? executor = null) => _executor = executor ?? new ComfyExecutor();

    /// <summary>Gets the registration manifest.</summary>
    public static RunnerManifest Manifest { get; } = BuiltInManifests.Create(Tool, "ComfyUI workflow", "Runs any ComfyUI workflow with a manifest mapping named inputs onto its nodes.");

    /// <inheritdoc/>
    public RunnerDescription Describe() => new()
    {
        Id = Tool,
        DisplayName = "ComfyUI workflow",
        Description = "Runs any ComfyUI workflow file on a ComfyUI endpoint; the manifest maps prompt, seed, scalars and images onto nodes.",
        Capabilities = ["comfyui", "image", "video", "audio"],
        InputModalities = [Modality.Text, Modality.Image],
        OutputModalities = [Modality.Image, Modality.Video, Modality.Audio],
        CostHint = CostHint.LocalGpu,
        ConfigSchema = JsonNode.Parse("""
            {"type": "object", "required": ["workflowPath"], "properties": {
              "workflowPath": {"type": "string", "description": "workflow JSON, relative to the bundle"},
              "manifestPath": {"type": "string", "description": "*.manifest.json, relative to the bundle"},
              "endpoint": {"type": "string", "description": "endpoint name (ENDPOINT_<NAME>) or address"},
              "prompt": {"type": "string"},
              "seed": {"type": "integer"},
              "inputs": {"type": "object", "description": "named scalar inputs"},
              "forceRerun": {"type": "boolean"}
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

        return await _executor.ExecuteAsync(context, new ComfyExecutionRequest
        {
            Tool = Tool,
            WorkflowPath = ComfyRunnerInputs.ConfigString(config, "workflowPath"),
            ManifestPath = ComfyRunnerInputs.ConfigString(config, "manifestPath"),
            Endpoint = ComfyRunnerInputs.ConfigString(config, "endpoint"),
            Prompt = prompt,
            Seed = ComfyRunnerInputs.ConfigSeed(config),
            Scalars = scalars,
            ImageInputs = images,
            ForceRerun = ComfyRunnerInputs.ConfigBool(config, "forceRerun"),
        }).ConfigureAwait(false);
    }
}
