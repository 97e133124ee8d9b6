using System.Text.Json.Nodes;
using Dhee.Definitions;
using Dhee.Server.Catalog;
using Dhee.Validation;
using Microsoft.AspNetCore.Http;

namespace Dhee.Server.Http;

/// <summary>Definition validation and editing, and the runner catalog.</summary>
internal static class DefinitionEndpoints
{
    public static IResult Catalog(IRunnerCatalog catalog) =>
        TypedResults.Json(new { runners = catalog.ListRunners() }, ServerJson.Options);

    public static async Task<IResult> ValidateAsync(HttpContext context, RunnerReadiness readiness, DheeServerOptions options)
    {
        var (definition, problem) = await ReadDefinitionAsync(context, options).ConfigureAwait(false);
        if (definition is null)
        {
            return problem!;
        }

        var problems = Validate(definition, readiness);
        return problems.Count == 0
            ? TypedResults.Json(new { valid = true, problems = Array.Empty<ValidationProblem>() }, ServerJson.Options)
            : ApiProblem.Invalid($"Definition '{definition.Id}' has {problems.Count} problem(s).", problems).ToResult();
    }

    public static async Task<IResult> EditAsync(HttpContext context, DheeServerOptions options)
    {
        var (body, problem) = await JsonBody.ReadObjectAsync(context, options.MaxRequestBodyBytes).ConfigureAwait(false);
        if (body is null)
        {
            return problem!;
        }

        var (definition, definitionProblem) = JsonBody.Convert<DagDefinition>(body["definition"], "definition");
        if (definition is null)
        {
            return definitionProblem!;
        }

        var editor = new DefinitionEditor(definition);
        var op = (body["op"] as JsonValue)?.TryGetValue<string>(out var name) == true ? name : null;
        DefinitionEditResult? result = null;
        IResult? error = null;
        switch (op)
        {
            case "normalize":
                // The editor normalizes on construction.
                break;
            case "addNode" or "updateNode":
                var (node, nodeProblem) = JsonBody.Convert<DagNodeDefinition>(body["node"], "node");
                error = nodeProblem;
                result = node is null ? null : op == "addNode" ? editor.AddNode(node) : editor.UpdateNode(node);
                break;
            case "addEdge" or "updateEdge":
                var (edge, edgeProblem) = JsonBody.Convert<DagEdgeDefinition>(body["edge"], "edge");
                error = edgeProblem;
                result = edge is null ? null : op == "addEdge" ? editor.AddEdge(edge) : editor.UpdateEdge(edge);
                break;
            case "removeNode":
                result = String(body, "nodeId", out var nodeId, ref error) ? editor.RemoveNode(nodeId) : null;
                break;
            case "removeEdge":
                result = String(body, "edgeId", out var edgeId, ref error) ? editor.RemoveEdge(edgeId) : null;
                break;
            case "connect":
                if (String(body, "from", out var from, ref error) && String(body, "outputKey", out var outputKey, ref error)
                    && String(body, "to", out var to, ref error) && String(body, "inputHandle", out var handle, ref error))
                {
                    result = editor.Connect(from, outputKey, to, handle);
                }

                break;
            default:
                error = ApiProblem.ContractViolation($"'op' must be one of normalize, addNode, updateNode, removeNode, addEdge, updateEdge, removeEdge, connect; got '{op}'.").ToResult();
                break;
        }

        if (error is not null)
        {
            return error;
        }

        if (result is { Succeeded: false })
        {
            var rejection = new ValidationProblem { Code = "definition.edit-rejected", Message = result.Error };
            return ApiProblem.Invalid(result.Error, [rejection]).ToResult();
        }

        var handles = editor.Definition.Nodes.ToDictionary(n => n.Id, n => editor.ComputeInputHandles(n.Id), StringComparer.Ordinal);
        return TypedResults.Json(new { definition = editor.Definition, inputHandles = handles }, ServerJson.Options);
    }

    internal static IReadOnlyList<ValidationProblem> Validate(DagDefinition definition, RunnerReadiness readiness)
    {
        var problems = DefinitionValidator.Validate(DefinitionEditor.Normalize(definition));
        return problems.Count > 0 ? problems : readiness.Check(DefinitionBundleConverter.ToBundle(definition));
    }

    private static async ValueTask<(DagDefinition? Definition, IResult? Problem)> ReadDefinitionAsync(HttpContext context, DheeServerOptions options)
    {
        var (body, problem) = await JsonBody.ReadObjectAsync(context, options.MaxRequestBodyBytes).ConfigureAwait(false);
        if (body is null)
        {
            return (null, problem);
        }

        return body["definition"] is null
            ? (null, ApiProblem.ContractViolation("Send the definition as {\"definition\": {...}}.").ToResult())
            : JsonBody.Convert<DagDefinition>(body["definition"], "definition");
    }

    private static bool String(JsonObject body, string field, out string value, ref IResult? error)
    {
        if (body[field] is JsonValue v && v.TryGetValue<string>(out var text) && !string.IsNullOrEmpty(text))
        {
            value = text;
            return true;
        }

        value = string.Empty;
        error ??= ApiProblem.ContractViolation($"'{field}' must be a non-empty string.").ToResult();
        return false;
    }
}
