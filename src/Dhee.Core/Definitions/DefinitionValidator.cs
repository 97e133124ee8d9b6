using Dhee.Bundles;
using Dhee.Utils;
using Dhee.Validation;

namespace Dhee.Definitions;

/// <summary>Checks a <see cref="DagDefinition"/>'s structure and reports every problem at once.</summary>
public static class DefinitionValidator
{
    /// <summary>Validates ids, references, ports, list-binding invariants, cycles, the goal and output patterns.</summary>
    /// <param name="definition">The definition.</param>
    /// <returns>Every problem found; empty when the definition is valid.</returns>
    public static IReadOnlyList<ValidationProblem> Validate(DagDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var problems = new List<ValidationProblem>();
        void Add(string path, string code, string message, string? fix = null) =>
            problems.Add(new ValidationProblem { JsonPath = path, Code = code, Message = message, Fix = fix });

        if (string.IsNullOrWhiteSpace(definition.Id))
        {
            Add("$.id", "definition.id-missing", "The definition has no id.", "Set 'id' to a short unique name.");
        }

        var nodeIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < definition.Nodes.Count; i++)
        {
            var node = definition.Nodes[i];
            var path = $"$.nodes[{i}]";
            if (string.IsNullOrWhiteSpace(node.Id))
            {
                Add($"{path}.id", "definition.node-id-missing", $"Node {i} has no id.", "Give every node a unique id.");
            }
            else if (!IsSafeId(node.Id))
            {
                Add($"{path}.id", "definition.node-id-invalid", $"Node id '{node.Id}' may only use letters, digits, '_', '-' and '.', starting with a letter or digit (ids become output file names).", "Rename the node, for example 'image_1'.");
            }
            else if (!nodeIds.Add(node.Id))
            {
                Add($"{path}.id", "definition.node-duplicate", $"Node id '{node.Id}' is used more than once.", "Rename one of the nodes.");
            }

            if (string.IsNullOrWhiteSpace(node.Tool))
            {
                Add($"{path}.tool", "definition.tool-missing", $"Node '{node.Id}' names no runner tool.", "Set 'tool' to a registered tool id such as 'llm.generate'.");
            }

            if (node.OutputPattern is not null && SafePath.Check(node.OutputPattern) is { } unsafePattern)
            {
                Add($"{path}.outputPattern", "definition.output-unsafe", $"Node '{node.Id}' output pattern is unsafe: {unsafePattern}.", "Use a path relative to the project folder.");
            }

            if (node.Kind == NodeKind.Collection && (node.ItemSource is null || definition.FindNode(node.ItemSource) is null))
            {
                Add($"{path}.itemSource", "definition.item-source-unknown", $"Collection node '{node.Id}' has no existing itemSource ('{node.ItemSource}').", "Set 'itemSource' to the id of the node whose output lists the items.");
            }
        }

        var edgeIds = new HashSet<string>(StringComparer.Ordinal);
        var handles = new HashSet<(string, string)>();
        for (var i = 0; i < definition.Edges.Count; i++)
        {
            var edge = definition.Edges[i];
            var path = $"$.edges[{i}]";
            if (!edgeIds.Add(edge.Id))
            {
                Add($"{path}.id", "definition.edge-duplicate", $"Edge id '{edge.Id}' is used more than once.", "Rename one of the edges.");
            }

            foreach (var (end, id) in new[] { ("from", edge.From), ("to", edge.To) })
            {
                if (!nodeIds.Contains(id))
                {
                    Add($"{path}.{end}", "definition.edge-unknown-node", $"Edge '{edge.Id}' points to node '{id}', which does not exist.", "Point the edge at an existing node or remove it.");
                }
            }

            if (edge.From == edge.To)
            {
                Add(path, "definition.self-loop", $"Edge '{edge.Id}' connects node '{edge.From}' to itself.", "Remove the edge.");
            }

            for (var b = 0; b < edge.Bindings.Count; b++)
            {
                var binding = edge.Bindings[b];
                if (!PortHandle.TryParse(binding.InputKey, out _, out _))
                {
                    Add($"{path}.bindings[{b}].inputKey", "definition.handle-invalid", $"'{binding.InputKey}' is not an input handle.", "Use 'port' or 'port[index]'.");
                }
                else if (!handles.Add((edge.To, binding.InputKey)))
                {
                    Add($"{path}.bindings[{b}].inputKey", "definition.handle-bound", $"Input handle '{binding.InputKey}' of node '{edge.To}' is bound more than once.", "Remove one of the bindings.");
                }
            }
        }

        if (!DefinitionEditor.CompactListBindings(definition).Edges.SelectMany(e => e.Bindings).SequenceEqual(definition.Edges.SelectMany(e => e.Bindings)))
        {
            Add("$.edges", "definition.list-gap", "List-port bindings are not numbered 0, 1, 2, … per target port.", "Save the definition through the editing API, which compacts the indices.");
        }

        if (problems.Count == 0 && HasCycle(definition))
        {
            Add("$.edges", "definition.cycle", "The edges form a cycle.", "Remove an edge so the graph has no loop.");
        }

        if (definition.Goal is not null && !nodeIds.Contains(definition.Goal))
        {
            Add("$.goal", "definition.goal-unknown", $"The goal '{definition.Goal}' is not a node.", "Set 'goal' to the id of the node whose output is the result.");
        }
        else if (definition.Goal is null && definition.Nodes.Count > 0)
        {
            var sinks = Sinks(definition);
            if (sinks.Count != 1)
            {
                Add("$.goal", "definition.goal-ambiguous", $"The definition has {sinks.Count} end nodes ({string.Join(", ", sinks)}) and no goal.", "Set 'goal' to the id of the node whose output is the result.");
            }
        }

        if (definition.Nodes.Count == 0)
        {
            Add("$.nodes", "definition.empty", "The definition has no nodes.", "Add at least one node.");
        }

        return problems;
    }

    internal static bool IsSafeId(string id) =>
        char.IsAsciiLetterOrDigit(id[0]) && !id.Contains("..", StringComparison.Ordinal)
        && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');

    internal static IReadOnlyList<string> Sinks(DagDefinition definition) =>
        definition.Nodes.Where(n => !definition.Edges.Any(e => e.From == n.Id)).Select(n => n.Id).ToArray();

    private static bool HasCycle(DagDefinition definition)
    {
        var indegree = definition.Nodes.ToDictionary(n => n.Id, n => definition.Edges.Where(e => e.To == n.Id).Select(e => e.From).Distinct().Count());
        var ready = new Queue<string>(indegree.Where(kv => kv.Value == 0).Select(kv => kv.Key));
        var seen = 0;
        while (ready.Count > 0)
        {
            var id = ready.Dequeue();
            seen++;
            foreach (var to in definition.Edges.Where(e => e.From == id).Select(e => e.To).Distinct())
            {
                if (--indegree[to] == 0)
                {
                    ready.Enqueue(to);
                }
            }
        }

        return seen != definition.Nodes.Count;
    }
}
