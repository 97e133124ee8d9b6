using Dhee.Bundles;
using Dhee.Registry;
using Dhee.Schema;
using Dhee.Validation;

namespace Dhee.Server.Catalog;

/// <summary>
/// Checks a bundle against the runners this server has: with a <see cref="RunnerRegistry"/>, its full
/// <see cref="RunnerRegistry.ValidateBundle"/> (tools, versions, credentials, engine, config schemas); otherwise unknown
/// tools and config schemas against the catalog (when it lists any runner).
/// </summary>
internal sealed class RunnerReadiness(IRunnerCatalog catalog, RunnerRegistry? registry = null)
{
    public IReadOnlyList<ValidationProblem> Check(Bundle bundle)
    {
        if (registry is not null)
        {
            return registry.ValidateBundle(bundle);
        }

        var known = catalog.ListRunners().GroupBy(r => r.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var problems = new List<ValidationProblem>();
        if (known.Count == 0)
        {
            return problems;
        }

        for (var i = 0; i < bundle.Nodes.Count; i++)
        {
            var tool = bundle.Nodes[i].Runner.Tool;
            if (known.TryGetValue(tool, out var runner))
            {
                problems.AddRange(JsonSchemaValidator.Validate(bundle.Nodes[i].Runner.Config, runner.ConfigSchema, $"$.nodes[{i}].runner.config"));
            }
            else
            {
                problems.Add(new ValidationProblem
                {
                    JsonPath = $"$.nodes[{i}].runner.tool",
                    Code = "definition.tool-unknown",
                    Message = $"No runner is registered for tool '{tool}'.",
                    Fix = "Pick a tool from the catalog endpoint, or install the runner package that provides it.",
                });
            }
        }

        return problems;
    }
}
