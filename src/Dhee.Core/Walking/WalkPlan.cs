using System.Text.Json.Nodes;
using Dhee.Bundles;
using Dhee.Caching;
using Dhee.Runners;
using Dhee.Utils;
using Dhee.Validation;

namespace Dhee.Walking;

/// <summary>A node taking part in a walk.</summary>
internal sealed class PlannedNode
{
    public required BundleNode Node { get; init; }

    public required int Order { get; init; }

    public required IRunner Runner { get; init; }

    public required RunnerDescription Description { get; init; }

    public required string Fingerprint { get; init; }

    /// <summary>Gets the planned node each input reads from, aligned with the node's inputs (null: a bundle input or the node itself).</summary>
    public required PlannedNode?[] InputNodes { get; init; }

    public string Id => Node.Id;

    public string Tool => Node.Runner.Tool;

    public bool IsCollection => Node.Kind == NodeKind.Collection;

    public bool IsLlm => Tool.StartsWith("llm.", StringComparison.Ordinal);

    public bool IsPaid => Description.CostHint is CostHint.PaidApi or CostHint.CloudGpu;

    /// <summary>Gets the distinct upstream nodes (inputs and item source, self excluded).</summary>
    public List<PlannedNode> Upstream { get; } = [];

    public List<PlannedNode> Downstream { get; } = [];

    public PlannedNode? ItemSourceNode { get; set; }

    public string? ItemSourceInput { get; set; }

    public NodePhase Phase { get; set; }

    public List<Instance> Instances { get; } = [];

    // Only nodes with items have any; most nodes of a large bundle are stages.
    private Dictionary<string, Instance>? _byItem;

    /// <summary>Records the instance of an item.</summary>
    public void AddItem(string itemId, Instance instance) => (_byItem ??= new(StringComparer.Ordinal))[itemId] = instance;

    /// <summary>Finds the instance of an item.</summary>
    public bool TryGetItem(string itemId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Instance? instance)
    {
        instance = null;
        return _byItem is not null && _byItem.TryGetValue(itemId, out instance);
    }

    public string? Error { get; set; }
}

internal enum NodePhase
{
    Waiting,
    Materialized,
    Failed,
    Blocked,
}

internal enum InstanceState
{
    Pending,
    Ready,
    Running,
    Completed,
    Skipped,
    Failed,
    Blocked,
    Cancelled,
}

/// <summary>One runnable instance: a stage node, or one item of a collection.</summary>
internal sealed class Instance
{
    public required PlannedNode Node { get; init; }

    public string? ItemId { get; init; }

    public JsonNode? Item { get; init; }

    public required int Index { get; init; }

    public required string Key { get; init; }

    public required string OutputPattern { get; init; }

    /// <summary>Gets the upstream instances per node input (null for bundle inputs), aligned with the node's inputs.</summary>
    public Instance[]?[] Sources { get; init; } = [];

    public List<Instance> Deps { get; } = [];

    public List<Instance> Dependents { get; } = [];

    public int Remaining { get; set; }

    public InstanceState State { get; set; }

    public string? Stamp { get; set; }

    public string? Output { get; set; }

    public string? ResourceKey { get; set; }

    public bool Cached { get; set; }

    public string? InputsHash { get; set; }

    public decimal CostUsd { get; set; }

    public string? Error { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    public int Attempts { get; set; }

    /// <summary>Gets or sets, in a dry run, why the instance would run (null when it is up to date).</summary>
    public string? PlanReason { get; set; }

    public bool Succeeded => State is InstanceState.Completed or InstanceState.Skipped;

    public bool Settled => State is InstanceState.Completed or InstanceState.Skipped or InstanceState.Failed or InstanceState.Blocked;

    public string Label => ItemId is null ? Node.Id : $"{Node.Id}[{ItemId}]";

    public static string KeyOf(string nodeId, string? itemId) => itemId is null ? nodeId : $"{nodeId}:{itemId}";
}

/// <summary>Works out which nodes a walk runs, in what order, and everything wrong with them before any work starts.</summary>
internal static class WalkPlanner
{
    public static List<PlannedNode> Plan(Bundle bundle, string target, Func<string, IRunner?> lookup, Func<string, string?> toolVersion, List<ValidationProblem> problems)
    {
        // Nodes are addressed by their index in the bundle: one id map, and plain arrays for the rest (a dictionary per
        // property of a 10,000-node bundle is garbage on the large object heap on every walk).
        var nodes = bundle.Nodes;
        var count = nodes.Count;
        var indexById = new Dictionary<string, int>(count, StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            if (!indexById.TryAdd(nodes[i].Id, i))
            {
                problems.Add(Problem($"$.nodes[{i}].id", "walk.duplicate-node", $"node id '{nodes[i].Id}' is used twice", "give every node a unique id"));
            }
        }

        var inputIds = bundle.Inputs.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        if (!indexById.TryGetValue(target, out var targetIndex))
        {
            problems.Add(Problem("$.goal", "walk.unknown-target", $"node '{target}' does not exist", $"use one of: {string.Join(", ", indexById.Keys)}"));
            return [];
        }

        // Depth-first from the target, with an explicit stack (a chain of thousands of nodes must not overflow the
        // thread's): post-order is a valid dependency order; a grey node met again is a cycle.
        var order = new List<int>(count);
        var color = new byte[count];
        var upstreamOf = new List<(string Id, int Input)>?[count];
        var path = new List<string>();
        var frames = new Stack<(int Index, int Next)>();
        Enter(targetIndex);
        while (frames.TryPop(out var frame))
        {
            var (index, next) = frame;
            var upstreams = upstreamOf[index]!;
            if (next == upstreams.Count)
            {
                path.RemoveAt(path.Count - 1);
                color[index] = 2;
                order.Add(index);
                continue;
            }

            frames.Push((index, next + 1));
            var (upstream, input) = upstreams[next];
            var node = nodes[index];
            if (upstream == node.Id)
            {
                problems.Add(Problem(PathOf(node, input), "walk.cycle", $"node '{node.Id}' takes its own output as input", "only scope 'previousN' may read the node's own earlier items"));
                continue;
            }

            var upstreamIndex = indexById[upstream];
            switch (color[upstreamIndex])
            {
                case 0:
                    Enter(upstreamIndex);
                    break;
                case 1:
                    var from = path.IndexOf(upstream);
                    problems.Add(Problem(PathOf(node, input), "walk.cycle", $"the nodes form a cycle: {string.Join(" → ", path.Skip(from).Append(upstream))}", "remove one of these inputs so the graph is acyclic"));
                    break;
            }
        }

        void Enter(int index)
        {
            color[index] = 1;
            path.Add(nodes[index].Id);
            upstreamOf[index] = UpstreamOf(nodes[index], indexById, inputIds, problems);
            frames.Push((index, 0));
        }

        // Per tool, not per node: a large DAG has thousands of nodes over a handful of tools, and describing a runner
        // (schemas, manifests) is not free.
        var tools = new Dictionary<string, (IRunner? Runner, RunnerDescription? Description, string? Version)>(StringComparer.Ordinal);
        foreach (var index in order)
        {
            var tool = nodes[index].Runner.Tool;
            if (!tools.ContainsKey(tool))
            {
                var found = lookup(tool);
                tools[tool] = (found, found?.Describe(), found is null ? null : toolVersion(tool));
            }
        }

        // Fingerprints (a SHA-256 per node, plus the bundle files its config names) are independent of each other and are
        // most of the planning time of a large bundle: spread them over the cores.
        var fingerprints = new string[order.Count];
        var files = new FileContentHasher();
        Parallel.For(0, order.Count, i => fingerprints[i] = NodeFingerprint.Compute(nodes[order[i]], bundle.BundleDir, tools[nodes[order[i]].Runner.Tool].Version, files));

        var planned = new PlannedNode?[count];
        var inOrder = new List<PlannedNode>(order.Count);
        for (var position = 0; position < order.Count; position++)
        {
            var index = order[position];
            var node = nodes[index];
            var tool = tools[node.Runner.Tool];
            var runner = tool.Runner;
            if (runner is null)
            {
                problems.Add(Problem($"$.nodes[{index}].runner.tool", "walk.runner-missing", $"node '{node.Id}' uses tool '{node.Runner.Tool}', which is not registered",
                    $"install the runner package that provides '{node.Runner.Tool}' (for plugins: under ~/.kshana/runners) or register it with the host"));
                continue;
            }

            if (node.Kind == NodeKind.Collection && !OutputPattern.HasItemPlaceholder(node.Outputs.Pattern))
            {
                problems.Add(Problem($"$.nodes[{index}].outputs.pattern", "walk.pattern-not-per-item", $"collection '{node.Id}' writes every item to '{node.Outputs.Pattern}'",
                    "put {{item_id}} in the output pattern, for example assets/{{item_id}}.png"));
            }

            var sample = OutputPattern.Render(node.Outputs.Pattern, node.Id, "item");
            if (SafePath.Check(sample) is { } unsafePattern)
            {
                problems.Add(Problem($"$.nodes[{index}].outputs.pattern", "walk.pattern-unsafe", $"node '{node.Id}' output pattern is not a safe project path: {unsafePattern}", "use a relative path inside the project"));
            }

            for (var i = 0; i < node.Inputs.Count; i++)
            {
                var input = node.Inputs[i];
                if (input.Scope == InputScope.PreviousN && input.N < 1)
                {
                    problems.Add(Problem($"$.nodes[{index}].inputs", "walk.previousn", $"node '{node.Id}' input from '{input.From}' has previousN n = {input.N}", "use n ≥ 1"));
                }
            }

            var plannedNode = new PlannedNode
            {
                Node = node,
                Order = inOrder.Count,
                Runner = runner,
                Description = tool.Description!,
                Fingerprint = fingerprints[position],
                InputNodes = new PlannedNode?[node.Inputs.Count],
            };
            planned[index] = plannedNode;
            inOrder.Add(plannedNode);
        }

        PlannedNode? PlannedOf(string id) => indexById.TryGetValue(id, out var index) ? planned[index] : null;

        foreach (var p in inOrder)
        {
            for (var i = 0; i < p.Node.Inputs.Count; i++)
            {
                var from = p.Node.Inputs[i].From;
                p.InputNodes[i] = from == p.Id ? null : PlannedOf(from);
            }

            foreach (var (upstream, _) in upstreamOf[indexById[p.Id]]!)
            {
                if (upstream != p.Id && PlannedOf(upstream) is { } u && !p.Upstream.Contains(u))
                {
                    p.Upstream.Add(u);
                    u.Downstream.Add(p);
                }
            }

            if (p.IsCollection && p.Node.ItemSource is { } source)
            {
                if (PlannedOf(source) is { } sourceNode)
                {
                    p.ItemSourceNode = sourceNode;
                }
                else if (inputIds.Contains(source))
                {
                    p.ItemSourceInput = source;
                }
            }
        }

        return inOrder;
    }

    /// <summary>Where an upstream reference stands, for problems: input <paramref name="input"/>, or -1 for the item source.</summary>
    private static string PathOf(BundleNode node, int input) => input < 0 ? $"node '{node.Id}' itemSource" : $"node '{node.Id}' inputs[{input}].from";

    /// <summary>Lists each upstream id with the index of the input naming it (-1: the item source), reporting unknown ids.</summary>
    private static List<(string Id, int Input)> UpstreamOf(BundleNode node, Dictionary<string, int> indexById, HashSet<string> inputIds, List<ValidationProblem> problems)
    {
        var upstreams = new List<(string Id, int Input)>(node.Inputs.Count + 1);
        for (var i = 0; i < node.Inputs.Count; i++)
        {
            var input = node.Inputs[i];
            if (input.From == node.Id && input.Scope == InputScope.PreviousN)
            {
                continue; // its own earlier items: ordered within the node
            }

            if (indexById.ContainsKey(input.From))
            {
                upstreams.Add((input.From, i));
            }
            else if (!inputIds.Contains(input.From))
            {
                problems.Add(Problem(PathOf(node, i), "walk.unknown-input", $"node '{node.Id}' reads from '{input.From}', which is neither a node nor a bundle input", "fix the id or declare the bundle input"));
            }
        }

        if (node.Kind == NodeKind.Collection)
        {
            if (node.ItemSource is null)
            {
                problems.Add(Problem($"node '{node.Id}' itemSource", "walk.item-source", $"collection '{node.Id}' has no itemSource", "name the upstream node (or bundle input) whose output lists the items"));
            }
            else if (indexById.ContainsKey(node.ItemSource))
            {
                if (node.ItemSource != node.Id)
                {
                    upstreams.Add((node.ItemSource, -1));
                }
            }
            else if (!inputIds.Contains(node.ItemSource))
            {
                problems.Add(Problem($"node '{node.Id}' itemSource", "walk.item-source", $"collection '{node.Id}' takes items from '{node.ItemSource}', which is neither a node nor a bundle input", "fix the itemSource id"));
            }
        }

        return upstreams;
    }

    private static ValidationProblem Problem(string path, string code, string message, string fix)
        => new() { JsonPath = path, Code = code, Message = message, Fix = fix };
}
