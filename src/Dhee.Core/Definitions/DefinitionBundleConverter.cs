using System.Text.Json.Nodes;
using Dhee.Bundles;
using Dhee.Errors;

namespace Dhee.Definitions;

/// <summary>Turns a <see cref="DagDefinition"/> into a <see cref="Bundle"/> the walker can run.</summary>
/// <remarks>
/// Each node becomes a bundle node with the same runner tool and configuration; each upstream node becomes one
/// <see cref="NodeInput"/> (scope <see cref="InputScope.All"/> when a stage consumes a collection, else
/// <see cref="InputScope.Matching"/>). The port-level bindings are kept for runners and hosts in the bundle's
/// <c>extensions.bindings</c> (node id → <c>[{from, outputKey, inputKey}]</c>).
/// </remarks>
public static class DefinitionBundleConverter
{
    /// <summary>The key of <see cref="Bundle.Extensions"/> that holds the port bindings.</summary>
    public const string BindingsExtensionKey = "bindings";

    /// <summary>Converts a definition, validating it first.</summary>
    /// <param name="definition">The definition.</param>
    /// <returns>The bundle.</returns>
    /// <exception cref="DheeValidationException">The definition is invalid; every problem is listed.</exception>
    public static Bundle ToBundle(DagDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var normalized = DefinitionEditor.Normalize(definition);
        var problems = DefinitionValidator.Validate(normalized);
        if (problems.Count > 0)
        {
            throw new DheeValidationException($"definition '{definition.Id}' cannot be run", problems);
        }

        var bindings = new JsonObject();
        foreach (var node in normalized.Nodes)
        {
            var list = new JsonArray();
            foreach (var edge in normalized.Edges.Where(e => e.To == node.Id))
            {
                foreach (var binding in edge.Bindings)
                {
                    list.Add(new JsonObject { ["from"] = edge.From, ["outputKey"] = binding.OutputKey, ["inputKey"] = binding.InputKey });
                }
            }

            if (list.Count > 0)
            {
                bindings[node.Id] = list;
            }
        }

        var bundle = new Bundle
        {
            Id = normalized.Id,
            Version = normalized.Version,
            DisplayName = normalized.DisplayName,
            Goal = normalized.Goal ?? DefinitionValidator.Sinks(normalized)[0],
            Nodes = normalized.Nodes.Select(n => ToBundleNode(normalized, n)).ToArray(),
            Extensions = new JsonObject { [BindingsExtensionKey] = bindings },
        };

        // The bundle rules (output patterns, collections, …) apply to what the definition becomes.
        var bundleProblems = BundleValidator.Validate(bundle);
        if (bundleProblems.Count > 0)
        {
            throw new DheeValidationException($"definition '{definition.Id}' becomes an invalid bundle", bundleProblems);
        }

        return bundle;
    }

    private static BundleNode ToBundleNode(DagDefinition definition, DagNodeDefinition node)
    {
        var extension = node.OutputFormat switch
        {
            OutputFormat.Markdown => "md",
            OutputFormat.Json => "json",
            OutputFormat.Text => "txt",
            OutputFormat.Image => "png",
            OutputFormat.Video => "mp4",
            _ => "wav",
        };
        var pattern = node.OutputPattern
            ?? (node.Kind == NodeKind.Collection ? $"outputs/{node.Id}/{{{{item_id}}}}.{extension}" : $"outputs/{node.Id}.{extension}");
        return new BundleNode
        {
            Id = node.Id,
            Kind = node.Kind,
            ItemSource = node.ItemSource,
            ItemKey = node.ItemKey,
            DisplayName = node.DisplayName,
            Inputs = node.DependsOn.Select(from => new NodeInput
            {
                From = from,

                // A stage that consumes a collection receives every item (a map by item id); collections match items.
                Scope = node.Kind == NodeKind.Stage && definition.FindNode(from)?.Kind == NodeKind.Collection ? InputScope.All : InputScope.Matching,
            }).ToArray(),
            Outputs = new NodeOutputs { Format = node.OutputFormat, Pattern = pattern },
            Runner = new NodeRunner { Tool = node.Tool, Config = (JsonObject)node.Config.DeepClone() },
        };
    }
}
