namespace Dhee.Definitions;

/// <summary>
/// Edits a <see cref="DagDefinition"/> the way a designer does and keeps four invariants after every mutation:
/// list-binding indices are sequential from 0 per (target node, list port) across all incoming edges; each list port
/// shows exactly one placeholder handle (connected + 1); no two bindings share a target handle; and every node's
/// <see cref="DagNodeDefinition.DependsOn"/> matches its incoming edges.
/// </summary>
/// <remarks>Rejected mutations leave the definition unchanged and say why in <see cref="DefinitionEditResult.Error"/>.</remarks>
public sealed class DefinitionEditor
{
    /// <summary>The message of a connection to a handle that already carries a binding.</summary>
    public const string HandleAlreadyBoundMessage = "Connection rejected: input handle is already bound.";

    /// <summary>Initializes a new instance of the <see cref="DefinitionEditor"/> class, normalizing the definition.</summary>
    /// <param name="definition">The definition to edit.</param>
    public DefinitionEditor(DagDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        Definition = Normalize(definition);
    }

    /// <summary>Gets the current definition.</summary>
    public DagDefinition Definition { get; private set; }

    /// <summary>Compacts list bindings and recomputes <see cref="DagNodeDefinition.DependsOn"/>, without other checks.</summary>
    /// <param name="definition">The definition.</param>
    /// <returns>The normalized definition.</returns>
    public static DagDefinition Normalize(DagDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return RecomputeDependsOn(CompactListBindings(definition));
    }

    /// <summary>
    /// Re-indexes list bindings to <c>[0, 1, 2, …]</c> per (target node, list port), counting across every edge into
    /// the node and keeping the existing order. Other bindings are left as they are.
    /// </summary>
    /// <param name="definition">The definition.</param>
    /// <returns>The definition with compact list bindings.</returns>
    public static DagDefinition CompactListBindings(DagDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var slots = new List<(int Edge, int Binding, string Target, string Port, int Index)>();
        for (var e = 0; e < definition.Edges.Count; e++)
        {
            var edge = definition.Edges[e];
            var target = definition.FindNode(edge.To);
            for (var b = 0; b < edge.Bindings.Count; b++)
            {
                if (IsListHandle(target, edge.Bindings[b].InputKey, out var port, out var index))
                {
                    slots.Add((e, b, edge.To, port, index));
                }
            }
        }

        if (slots.Count == 0)
        {
            return definition;
        }

        var renamed = new Dictionary<(int Edge, int Binding), string>();
        foreach (var group in slots.GroupBy(s => (s.Target, s.Port)))
        {
            var next = 0;
            foreach (var slot in group.OrderBy(s => s.Index).ThenBy(s => s.Edge).ThenBy(s => s.Binding))
            {
                renamed[(slot.Edge, slot.Binding)] = PortHandle.Format(slot.Port, next++);
            }
        }

        var edges = definition.Edges.Select((edge, e) => edge with
        {
            Bindings = edge.Bindings.Select((binding, b) =>
                renamed.TryGetValue((e, b), out var key) && key != binding.InputKey ? binding with { InputKey = key } : binding).ToArray(),
        }).ToArray();
        return definition with { Edges = edges };
    }

    /// <summary>Sets every node's <see cref="DagNodeDefinition.DependsOn"/> to the sources of its incoming edges, in node order.</summary>
    /// <param name="definition">The definition.</param>
    /// <returns>The definition with recomputed dependencies.</returns>
    public static DagDefinition RecomputeDependsOn(DagDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var order = definition.Nodes.Select((n, i) => (n.Id, i)).GroupBy(x => x.Id).ToDictionary(g => g.Key, g => g.First().i);
        var nodes = definition.Nodes.Select(node =>
        {
            var dependsOn = definition.Edges.Where(e => e.To == node.Id).Select(e => e.From).Distinct()
                .OrderBy(id => order.GetValueOrDefault(id, int.MaxValue)).ThenBy(id => id, StringComparer.Ordinal).ToArray();
            return node.DependsOn.SequenceEqual(dependsOn) ? node : node with { DependsOn = dependsOn };
        }).ToArray();
        return definition with { Nodes = nodes };
    }

    /// <summary>
    /// Computes the handles each input port of a node shows: a plain port shows its key; a list port shows one handle
    /// per binding across all incoming edges plus one placeholder (<c>images[0]</c> … <c>images[n]</c>).
    /// </summary>
    /// <param name="nodeId">The node id.</param>
    /// <returns>The handle ids by port key, or an empty map when the node does not exist.</returns>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> ComputeInputHandles(string nodeId)
    {
        var node = Definition.FindNode(nodeId);
        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (node is null)
        {
            return result;
        }

        var ports = node.Inputs.Select(p => (p.Key, p.IsList)).ToList();
        foreach (var binding in Definition.Edges.Where(e => e.To == nodeId).SelectMany(e => e.Bindings))
        {
            if (IsListHandle(node, binding.InputKey, out var port, out _) && !ports.Exists(p => p.Key == port))
            {
                ports.Add((port, true));
            }
        }

        foreach (var (key, isList) in ports)
        {
            if (!isList)
            {
                result[key] = [key];
                continue;
            }

            var connected = CountListBindings(Definition, nodeId, key, exceptEdgeId: null);
            result[key] = Enumerable.Range(0, connected + 1).Select(i => PortHandle.Format(key, i)).ToArray();
        }

        return result;
    }

    /// <summary>Adds a node.</summary>
    /// <param name="node">The node; its <see cref="DagNodeDefinition.DependsOn"/> is recomputed.</param>
    /// <returns>The outcome.</returns>
    public DefinitionEditResult AddNode(DagNodeDefinition node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (string.IsNullOrWhiteSpace(node.Id))
        {
            return Reject("Node rejected: the node id is empty; give the node a unique id.");
        }

        if (Definition.FindNode(node.Id) is not null)
        {
            return Reject($"Node rejected: a node with id '{node.Id}' already exists; choose another id.");
        }

        return Apply(Definition with { Nodes = [.. Definition.Nodes, node with { DependsOn = [] }] });
    }

    /// <summary>Replaces a node (matched by id), keeping its edges; bindings to ports the node no longer has are rejected.</summary>
    /// <param name="node">The new node.</param>
    /// <returns>The outcome.</returns>
    public DefinitionEditResult UpdateNode(DagNodeDefinition node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (Definition.FindNode(node.Id) is null)
        {
            return Reject($"Node rejected: no node has id '{node.Id}'; add it first.");
        }

        var candidate = Definition with { Nodes = Definition.Nodes.Select(n => n.Id == node.Id ? node : n).ToArray() };
        foreach (var edge in candidate.Edges.Where(e => e.To == node.Id || e.From == node.Id))
        {
            var error = CheckBindingShapes(candidate, edge);
            if (error is not null)
            {
                return Reject(error);
            }
        }

        return Apply(candidate);
    }

    /// <summary>Removes a node and every edge into or out of it, then compacts the remaining list bindings.</summary>
    /// <param name="nodeId">The node id.</param>
    /// <returns>The outcome.</returns>
    public DefinitionEditResult RemoveNode(string nodeId)
    {
        if (Definition.FindNode(nodeId) is null)
        {
            return Reject($"Node rejected: no node has id '{nodeId}'.");
        }

        return Apply(Definition with
        {
            Nodes = Definition.Nodes.Where(n => n.Id != nodeId).ToArray(),
            Edges = Definition.Edges.Where(e => e.From != nodeId && e.To != nodeId).ToArray(),
            Goal = Definition.Goal == nodeId ? null : Definition.Goal,
        });
    }

    /// <summary>Adds an edge with its bindings.</summary>
    /// <param name="edge">The edge.</param>
    /// <returns>The outcome; rejected when a binding targets a bound handle, a port is unknown, or the edge closes a cycle.</returns>
    public DefinitionEditResult AddEdge(DagEdgeDefinition edge)
    {
        ArgumentNullException.ThrowIfNull(edge);
        if (string.IsNullOrWhiteSpace(edge.Id))
        {
            return Reject("Connection rejected: the edge id is empty; give the edge a unique id.");
        }

        if (Definition.FindEdge(edge.Id) is not null)
        {
            return Reject($"Connection rejected: an edge with id '{edge.Id}' already exists; use updateEdge to change it.");
        }

        return TryPlaceEdge(edge, replacing: null);
    }

    /// <summary>Replaces an edge (matched by id), for example to add, remove or retarget bindings.</summary>
    /// <param name="edge">The new edge.</param>
    /// <returns>The outcome.</returns>
    public DefinitionEditResult UpdateEdge(DagEdgeDefinition edge)
    {
        ArgumentNullException.ThrowIfNull(edge);
        if (Definition.FindEdge(edge.Id) is null)
        {
            return Reject($"Connection rejected: no edge has id '{edge.Id}'; use addEdge to create it.");
        }

        return TryPlaceEdge(edge, replacing: edge.Id);
    }

    /// <summary>Removes an edge, then compacts the remaining list bindings.</summary>
    /// <param name="edgeId">The edge id.</param>
    /// <returns>The outcome.</returns>
    public DefinitionEditResult RemoveEdge(string edgeId)
    {
        if (Definition.FindEdge(edgeId) is null)
        {
            return Reject($"Connection rejected: no edge has id '{edgeId}'.");
        }

        return Apply(Definition with { Edges = Definition.Edges.Where(e => e.Id != edgeId).ToArray() });
    }

    /// <summary>
    /// Connects an output to an input handle: appends a binding to the existing edge between the two nodes, or creates
    /// an edge. For a list port, connect to its placeholder handle (see <see cref="ComputeInputHandles"/>).
    /// </summary>
    /// <param name="fromNodeId">The upstream node id.</param>
    /// <param name="outputKey">The upstream output port key.</param>
    /// <param name="toNodeId">The downstream node id.</param>
    /// <param name="inputHandle">The downstream input handle, <c>port</c> or <c>port[index]</c>.</param>
    /// <returns>The outcome.</returns>
    public DefinitionEditResult Connect(string fromNodeId, string outputKey, string toNodeId, string inputHandle)
    {
        var binding = new DagEdgeBinding(outputKey, inputHandle);
        var existing = Definition.Edges.FirstOrDefault(e => e.From == fromNodeId && e.To == toNodeId);
        if (existing is not null)
        {
            return TryPlaceEdge(existing with { Bindings = [.. existing.Bindings, binding] }, replacing: existing.Id);
        }

        var id = $"{fromNodeId}->{toNodeId}";
        for (var n = 2; Definition.FindEdge(id) is not null; n++)
        {
            id = $"{fromNodeId}->{toNodeId}#{n}";
        }

        return TryPlaceEdge(new DagEdgeDefinition { Id = id, From = fromNodeId, To = toNodeId, Bindings = [binding] }, replacing: null);
    }

    internal static bool IsListHandle(DagNodeDefinition? target, string inputKey, out string port, out int index)
    {
        index = 0;
        if (!PortHandle.TryParse(inputKey, out port, out var parsed) || parsed is null)
        {
            return false;
        }

        var declared = target?.FindInput(port);
        index = parsed.Value;
        return declared is null || declared.IsList;
    }

    private static int CountListBindings(DagDefinition definition, string nodeId, string port, string? exceptEdgeId)
    {
        var target = definition.FindNode(nodeId);
        return definition.Edges.Where(e => e.To == nodeId && e.Id != exceptEdgeId).SelectMany(e => e.Bindings)
            .Count(b => IsListHandle(target, b.InputKey, out var p, out _) && p == port);
    }

    private static string? CheckBindingShapes(DagDefinition definition, DagEdgeDefinition edge)
    {
        var source = definition.FindNode(edge.From);
        var target = definition.FindNode(edge.To);
        foreach (var binding in edge.Bindings)
        {
            if (source is not null && source.Outputs.Count > 0 && !source.Outputs.Any(p => p.Key == binding.OutputKey))
            {
                return $"Connection rejected: node '{edge.From}' has no output '{binding.OutputKey}'; use one of: {string.Join(", ", source.Outputs.Select(p => p.Key))}.";
            }

            if (!PortHandle.TryParse(binding.InputKey, out var port, out var index))
            {
                return $"Connection rejected: '{binding.InputKey}' is not an input handle; use 'port' or 'port[index]'.";
            }

            if (target is null || target.Inputs.Count == 0)
            {
                continue;
            }

            var declared = target.FindInput(port);
            if (declared is null)
            {
                return $"Connection rejected: node '{edge.To}' has no input '{port}'; use one of: {string.Join(", ", target.Inputs.Select(p => p.Key))}.";
            }

            if (declared.IsList && index is null)
            {
                return $"Connection rejected: input '{port}' of node '{edge.To}' is a list port; connect to a handle such as '{PortHandle.Format(port, 0)}'.";
            }

            if (!declared.IsList && index is not null)
            {
                return $"Connection rejected: input '{port}' of node '{edge.To}' is not a list port; connect to '{port}'.";
            }
        }

        return null;
    }

    private static bool CreatesCycle(DagDefinition definition)
    {
        var next = definition.Edges.GroupBy(e => e.From).ToDictionary(g => g.Key, g => g.Select(e => e.To).Distinct().ToArray());
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        bool Visit(string id)
        {
            if (state.TryGetValue(id, out var s))
            {
                return s == 1;
            }

            state[id] = 1;
            foreach (var to in next.GetValueOrDefault(id, []))
            {
                if (Visit(to))
                {
                    return true;
                }
            }

            state[id] = 2;
            return false;
        }

        return next.Keys.Any(Visit);
    }

    private DefinitionEditResult TryPlaceEdge(DagEdgeDefinition edge, string? replacing)
    {
        if (Definition.FindNode(edge.From) is null)
        {
            return Reject($"Connection rejected: source node '{edge.From}' does not exist; add it first.");
        }

        if (Definition.FindNode(edge.To) is null)
        {
            return Reject($"Connection rejected: target node '{edge.To}' does not exist; add it first.");
        }

        if (edge.From == edge.To)
        {
            return Reject($"Connection rejected: node '{edge.From}' cannot feed itself.");
        }

        if (edge.Bindings.Count == 0)
        {
            return Reject($"Connection rejected: edge '{edge.Id}' has no bindings; bind at least one output to an input.");
        }

        var shapeError = CheckBindingShapes(Definition, edge);
        if (shapeError is not null)
        {
            return Reject(shapeError);
        }

        // The definition is always compact, so a bound handle is exactly an input key some other binding already uses.
        var occupied = Definition.Edges.Where(e => e.To == edge.To && e.Id != replacing)
            .SelectMany(e => e.Bindings).Select(b => b.InputKey).ToHashSet(StringComparer.Ordinal);
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var binding in edge.Bindings)
        {
            if (occupied.Contains(binding.InputKey) || !taken.Add(binding.InputKey))
            {
                return Reject(HandleAlreadyBoundMessage);
            }
        }

        var edges = replacing is null ? [.. Definition.Edges, edge] : Definition.Edges.Select(e => e.Id == replacing ? edge : e).ToArray();
        var candidate = Definition with { Edges = edges };
        if (CreatesCycle(candidate))
        {
            return Reject($"Connection rejected: an edge from '{edge.From}' to '{edge.To}' would close a cycle; DAG edges must not loop.");
        }

        return Apply(candidate);
    }

    private DefinitionEditResult Apply(DagDefinition candidate)
    {
        Definition = Normalize(candidate);
        return DefinitionEditResult.Applied(Definition);
    }

    private DefinitionEditResult Reject(string message) => DefinitionEditResult.Rejected(Definition, message);
}
