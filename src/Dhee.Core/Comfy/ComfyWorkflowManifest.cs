using System.Text.Json;
using System.Text.Json.Nodes;
using Dhee.Errors;
using Dhee.Validation;

namespace Dhee.Comfy;

/// <summary>A workflow manifest (<c>*.manifest.json</c>): how named inputs map onto workflow nodes, and which inputs are required.</summary>
public sealed class ComfyWorkflowManifest
{
    /// <summary>Gets the mappings of named inputs onto node fields.</summary>
    public IReadOnlyList<ComfyParameterMapping> ParameterMappings { get; init; } = [];

    /// <summary>Gets the declared inputs.</summary>
    public IReadOnlyList<ComfyInputRequirement> InputRequirements { get; init; } = [];

    /// <summary>Parses a manifest; other (catalog) fields are ignored.</summary>
    /// <param name="json">The manifest text.</param>
    /// <param name="path">The file, for messages.</param>
    /// <returns>The manifest.</returns>
    /// <exception cref="DheeValidationException">The manifest is malformed; every problem is listed with its JSON path.</exception>
    public static ComfyWorkflowManifest Parse(string json, string? path = null)
    {
        var problems = new List<ValidationProblem>();
        JsonObject? root = null;
        try
        {
            root = JsonNode.Parse(json) as JsonObject;
        }
        catch (JsonException ex)
        {
            problems.Add(new ValidationProblem { File = path, Code = "manifest.json", Message = $"not valid JSON: {ex.Message}", Fix = "fix the JSON syntax" });
        }

        if (root is null)
        {
            if (problems.Count == 0)
            {
                problems.Add(new ValidationProblem { File = path, Code = "manifest.shape", Message = "a manifest must be a JSON object", Fix = "write {\"parameterMappings\": [...], \"inputRequirements\": [...]}" });
            }

            throw new DheeValidationException($"Invalid workflow manifest {path}", problems);
        }

        var mappings = new List<ComfyParameterMapping>();
        if (root["parameterMappings"] is JsonArray arr)
        {
            for (var i = 0; i < arr.Count; i++)
            {
                var m = arr[i] as JsonObject;
                var input = m?["input"]?.ToString();
                var node = m?["nodeId"]?.ToString();
                var field = m?["field"]?.ToString();
                if (string.IsNullOrWhiteSpace(input) || string.IsNullOrWhiteSpace(node) || string.IsNullOrWhiteSpace(field))
                {
                    problems.Add(new ValidationProblem { File = path, JsonPath = $"$.parameterMappings[{i}]", Code = "manifest.mapping", Message = "a mapping needs \"input\", \"nodeId\" and \"field\"", Fix = "for example {\"input\": \"prompt\", \"nodeId\": \"6\", \"field\": \"text\"}" });
                    continue;
                }

                mappings.Add(new ComfyParameterMapping(input, node, field));
            }
        }
        else if (root.ContainsKey("parameterMappings"))
        {
            problems.Add(new ValidationProblem { File = path, JsonPath = "$.parameterMappings", Code = "manifest.mapping", Message = "parameterMappings must be an array" });
        }

        var requirements = new List<ComfyInputRequirement>();
        if (root["inputRequirements"] is JsonArray reqs)
        {
            for (var i = 0; i < reqs.Count; i++)
            {
                var r = reqs[i] as JsonObject;
                var id = r?["id"]?.ToString();
                if (string.IsNullOrWhiteSpace(id))
                {
                    problems.Add(new ValidationProblem { File = path, JsonPath = $"$.inputRequirements[{i}]", Code = "manifest.requirement", Message = "a requirement needs an \"id\"" });
                    continue;
                }

                var required = r!["required"] is JsonValue rv && rv.GetValueKind() == JsonValueKind.True;
                requirements.Add(new ComfyInputRequirement(id, r["type"]?.ToString() ?? "any", r["source"]?.ToString(), required, r["description"]?.ToString()));
            }
        }

        if (problems.Count > 0)
        {
            throw new DheeValidationException($"Invalid workflow manifest {path}", problems);
        }

        return new ComfyWorkflowManifest { ParameterMappings = mappings, InputRequirements = requirements };
    }
}
