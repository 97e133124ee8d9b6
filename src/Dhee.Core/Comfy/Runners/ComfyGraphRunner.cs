using System.Text.Json.Nodes;
using Dhee.BuiltIn;
using Dhee.Runners;

namespace Dhee.Comfy.Runners;

/// <summary>
/// <c>comfy.graph</c>: runs a designer graph whose nodes are all <c>comfy.*</c> types (seed 001): the graph is converted to
/// an API prompt and routed to the configured endpoint (<c>endpoint</c>: a name, an address, or <c>runpod://&lt;id&gt;</c>).
/// The graph comes from config <c>graph</c> or from a JSON input named <c>graph</c>.
/// </summary>
public sealed class ComfyGraphRunner : IRunner
{
    /// <summary>The tool id.</summary>
    public const string Tool = "comfy.graph";

    private readonly ComfyExecutor _executor;

    /// <summary>Initializes a new instance of the <see cref="ComfyGraphRunner"/> class.</summary>
    /// <param name="executor">The executor; null uses one with real clients and environment endpoints.</param>
    public ComfyGraphRunner(ComfyExecutor? executor = null) => _executor = executor ?? new ComfyExecutor();

    /// <summary>Gets the registration manifest.</summary>
    public static RunnerManifest Manifest { get; } = BuiltInManifests.Create(Tool, "ComfyUI designer graph", "Converts a graph of comfy.* nodes to a ComfyUI prompt and runs it on the configured endpoint.");

    /// <inheritdoc/>
    public RunnerDescription Describe() => new()
    {
        Id = Tool,
        DisplayName = "ComfyUI designer graph",
        Description = "Runs a graph of comfy.<ClassType> nodes (properties become inputs, edges become links) on a ComfyUI endpoint.",
        Capabilities = ["comfyui"],
        InputModalities = [Modality.Text],
        OutputModalities = [Modality.Image, Modality.Video, Modality.Audio],
        CostHint = CostHint.LocalGpu,
        ConfigSchema = JsonNode.Parse("""{"type": "object", "properties": {"graph": {"type": "object"}, "endpoint": {"type": "string"}, "forceRerun": {"type": "boolean"}}}""")!.AsObject(),
    };

    /// <inheritdoc/>
    public async ValueTask<RunnerResult> RunAsync(RunnerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var graph = context.Inputs.TryGetValue("graph", out var input) && input.ToJson() is JsonObject fromInput
            ? fromInput
            : context.Config["graph"] as JsonObject;
        if (graph is null)
        {
            return RunnerResult.Failure($"{Tool} node '{context.Node.Id}': no graph; set config.graph or connect a JSON input named 'graph'");
        }

        if (!ComfyDesignerGraph.IsComfyGraph(graph))
        {
            return RunnerResult.Failure($"{Tool} node '{context.Node.Id}': the graph must contain only comfy.<ClassType> nodes");
        }

        var prompt = ComfyDesignerGraph.ToApiPrompt(graph, out var errors);
        if (errors.Count > 0)
        {
            return RunnerResult.Failure($"{Tool} node '{context.Node.Id}': the graph cannot be converted: {string.Join("; ", errors)}");
        }

        return await _executor.ExecuteAsync(context, new ComfyExecutionRequest
        {
            Tool = Tool,
            Workflow = prompt,
            Endpoint = ComfyRunnerInputs.ConfigString(context.Config, "endpoint"),
            ForceRerun = ComfyRunnerInputs.ConfigBool(context.Config, "forceRerun"),
        }).ConfigureAwait(false);
    }
}
