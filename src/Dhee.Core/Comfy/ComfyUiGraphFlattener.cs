using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dhee.Comfy;

/// <summary>
/// Expands the containers of a UI-format workflow into one flat graph before conversion: subgraph instances
/// (<c>definitions.subgraphs</c>) and legacy group nodes (<c>extra.groupNodes</c>). Inner nodes get the ids ComfyUI gives
/// them at execution (<c>outer:inner</c>, nested as <c>a:b:c</c>), links that cross a container's boundary are rewired to
/// the real producer, and values typed on the container (promoted widgets) reach the inner widgets they stand for.
/// Link ids are scoped (<c>prefix#id</c>) so ids reused inside definitions never collide.
/// </summary>
internal sealed class ComfyUiGraphFlattener
{
    private const string SubgraphInputNode = "-10";
    private const string SubgraphOutputNode = "-20";
    private const int MaxDepth = 32;

    private readonly ComfyObjectInfo _info;
    private readonly List<ComfyConversionDiagnostic> _diagnostics;
    private readonly Dictionary<string, JsonObject> _subgraphs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonObject> _groupNodes = new(StringComparer.Ordinal);

    private ComfyUiGraphFlattener(JsonObject workflow, ComfyObjectInfo info, List<ComfyConversionDiagnostic> diagnostics)
    {
        _info = info;
        _diagnostics = diagnostics;
        foreach (var def in (workflow["definitions"]?["subgraphs"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (def["id"]?.ToString() is { Length: > 0 } id)
            {
                _subgraphs[id] = def;
            }
        }

        foreach (var (name, def) in workflow["extra"]?["groupNodes"] as JsonObject ?? [])
        {
            if (def is JsonObject groupDef)
            {
                _groupNodes[name] = groupDef;
            }
        }
    }

    /// <summary>Gets the flat nodes by id (clones; inputs point at scoped link ids).</summary>
    public Dictionary<string, JsonObject> Nodes { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets the scoped links: a producer and slot, or a literal typed on a container.</summary>
    public Dictionary<string, FlatLink> Links { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets the widget values set on a container for one of its inner nodes (flat node id → widget → value).</summary>
    public Dictionary<string, Dictionary<string, JsonNode?>> WidgetOverrides { get; } = new(StringComparer.Ordinal);

    /// <summary>Flattens a UI workflow.</summary>
    /// <param name="workflow">The editor's JSON.</param>
    /// <param name="info">The target server's catalog (group nodes are laid out from it).</param>
    /// <param name="diagnostics">Where problems are reported, naming the node.</param>
    /// <returns>The flat graph.</returns>
    public static ComfyUiGraphFlattener Flatten(JsonObject workflow, ComfyObjectInfo info, List<ComfyConversionDiagnostic> diagnostics)
    {
        var flattener = new ComfyUiGraphFlattener(workflow, info, diagnostics);
        var root = new Scope(string.Empty, [], 0, []);
        root.AddNodes(workflow["nodes"] as JsonArray);
        root.AddLinks(workflow["links"] as JsonArray);
        flattener.Emit(root);
        return flattener;
    }

    /// <summary>Orders flat ids numerically segment by segment (<c>2</c> &lt; <c>10</c> &lt; <c>10:2</c> &lt; <c>10:10</c>).</summary>
    /// <param name="a">One id.</param>
    /// <param name="b">The other.</param>
    /// <returns>The comparison.</returns>
    public static int CompareIds(string a, string b)
    {
        var x = a.Split(':');
        var y = b.Split(':');
        for (var i = 0; i < Math.Min(x.Length, y.Length); i++)
        {
            var c = int.TryParse(x[i], out var xi) && int.TryParse(y[i], out var yi) ? xi.CompareTo(yi) : string.CompareOrdinal(x[i], y[i]);
            if (c != 0)
            {
                return c;
            }
        }

        return x.Length.CompareTo(y.Length);
    }

    private static bool HasLink(JsonNode? link) => link is JsonValue v && v.GetValueKind() != JsonValueKind.Null;

    private void Report(Scope scope, string localId, string? type, string? widget, bool isError, string message)
        => _diagnostics.Add(new ComfyConversionDiagnostic(scope.Prefix + localId, type, widget, isError, message));

    private bool IsContainer(JsonObject node)
    {
        var type = node["type"]?.ToString() ?? string.Empty;
        return _subgraphs.ContainsKey(type) || GroupDefinition(type) is not null;
    }

    private JsonObject? GroupDefinition(string type)
    {
        foreach (var prefix in new[] { "workflow>", "workflow/" })
        {
            if (type.StartsWith(prefix, StringComparison.Ordinal) && _groupNodes.TryGetValue(type[prefix.Length..], out var def))
            {
                return def;
            }
        }

        return _groupNodes.GetValueOrDefault(type);
    }

    private void Emit(Scope scope)
    {
        foreach (var (id, node) in scope.Nodes)
        {
            if (IsContainer(node))
            {
                Expand(scope, id);
                continue;
            }

            var clone = (JsonObject)node.DeepClone();
            clone["id"] = scope.Prefix + id;
            foreach (var input in (clone["inputs"] as JsonArray ?? []).OfType<JsonObject>())
            {
                if (!HasLink(input["link"]))
                {
                    continue;
                }

                var linkId = input["link"]!.ToString();
                var key = scope.Prefix + "#" + linkId;
                var bound = ResolveLink(scope, linkId);
                if (bound is null && input["widget"] is not null)
                {
                    input["link"] = null; // an unfed container input: the inner widget keeps its own value
                    continue;
                }

                if (bound is { } b)
                {
                    Links[key] = b;
                }

                input["link"] = key; // unresolved sockets stay dangling so the converter reports them
            }

            Nodes[scope.Prefix + id] = clone;
        }
    }

    private FlatLink? ResolveLink(Scope scope, string linkId)
        => scope.Links.TryGetValue(linkId, out var link) ? ResolveOrigin(scope, link.Origin, link.Slot) : null;

    private FlatLink? ResolveOrigin(Scope scope, string originId, int slot)
    {
        if (originId == SubgraphInputNode)
        {
            return slot >= 0 && slot < scope.InputBindings.Count ? scope.InputBindings[slot] : null;
        }

        if (scope.Nodes.TryGetValue(originId, out var origin) && IsContainer(origin))
        {
            var outputs = Expand(scope, originId);
            return slot >= 0 && slot < outputs.Count ? outputs[slot] : null;
        }

        return FlatLink.To(scope.Prefix + originId, slot);
    }

    /// <summary>Expands a container once (memoized) and returns what each of its output slots carries.</summary>
    private IReadOnlyList<FlatLink?> Expand(Scope scope, string id)
    {
        if (scope.Expanded.TryGetValue(id, out var done))
        {
            return done;
        }

        var node = scope.Nodes[id];
        var type = node["type"]?.ToString() ?? string.Empty;
        var uiInputs = (node["inputs"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var uiOutputs = (node["outputs"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        IReadOnlyList<FlatLink?> result = [.. uiOutputs.Select(_ => (FlatLink?)null)];
        scope.Expanded[id] = result; // a cycle through this container resolves to nothing instead of recursing
        var mode = ComfyWorkflowConverter.ModeOf(node);
        if (mode == ComfyWorkflowConverter.ModeMuted)
        {
            return result;
        }

        var bindings = uiInputs.Select(i => HasLink(i["link"]) ? ResolveLink(scope, i["link"]!.ToString()) : null).ToList();
        if (mode == ComfyWorkflowConverter.ModeBypassed)
        {
            // A bypassed container passes each output the input of the same type (the same slot first), as a bypassed node does.
            result = [.. uiOutputs.Select((output, slot) => uiInputs
                .Select((input, index) => (input, index))
                .Where(c => bindings[c.index] is not null && (c.input["type"]?.ToString() == output["type"]?.ToString() || c.input["type"]?.ToString() == "*"))
                .OrderBy(c => c.index == slot ? 0 : 1)
                .Select(c => bindings[c.index])
                .FirstOrDefault())];
        }
        else if (scope.Depth >= MaxDepth || scope.Stack.Contains(type))
        {
            Report(scope, id, type, null, true, $"the container nests itself (or nests deeper than {MaxDepth} levels), so it cannot be expanded; break the cycle in the editor");
        }
        else if (_subgraphs.TryGetValue(type, out var subgraph))
        {
            result = ExpandSubgraph(scope, id, node, subgraph, bindings);
        }
        else
        {
            result = ExpandGroupNode(scope, id, node, GroupDefinition(type)!, bindings);
        }

        scope.Expanded[id] = result;
        return result;
    }

    private IReadOnlyList<FlatLink?> ExpandSubgraph(Scope scope, string id, JsonObject node, JsonObject subgraph, List<FlatLink?> bindings)
    {
        var type = node["type"]!.ToString();
        var definedInputs = (subgraph["inputs"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var uiInputs = (node["inputs"] as JsonArray ?? []).OfType<JsonObject>().ToList();

        // The instance lists the subgraph's inputs in order; match by name and fall back to the position.
        var inputBindings = new FlatLink?[definedInputs.Count];
        for (var i = 0; i < definedInputs.Count; i++)
        {
            var name = definedInputs[i]["name"]?.ToString();
            var index = uiInputs.FindIndex(u => u["name"]?.ToString() == name);
            index = index >= 0 ? index : (i < uiInputs.Count ? i : -1);
            inputBindings[i] = index >= 0 ? bindings[index] : null;
        }

        var inner = new Scope(scope.Prefix + id + ":", inputBindings, scope.Depth + 1, [.. scope.Stack, type]);
        inner.AddNodes(subgraph["nodes"] as JsonArray);
        inner.AddLinks(subgraph["links"] as JsonArray);
        ApplyPromotedWidgets(scope, id, node, definedInputs, uiInputs, inner, inputBindings);
        Emit(inner);

        var outputs = (subgraph["outputs"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var result = new FlatLink?[Math.Max(outputs.Count, (node["outputs"] as JsonArray)?.Count ?? 0)];
        for (var slot = 0; slot < result.Length; slot++)
        {
            var feeding = inner.Targets.Where(t => t.Target == SubgraphOutputNode && t.TargetSlot == slot).Select(t => t.LinkId).FirstOrDefault()
                ?? (slot < outputs.Count ? (outputs[slot]["linkIds"] as JsonArray)?.FirstOrDefault()?.ToString() : null);
            result[slot] = feeding is null ? null : ResolveLink(inner, feeding);
        }

        return result;
    }

    /// <summary>
    /// Values typed on a subgraph instance. With <c>properties.proxyWidgets</c> (<c>[[innerNodeId, widget], …]</c>, newer editors)
    /// the instance's <c>widgets_values</c> follow that list (inner node <c>-1</c> names a subgraph input); otherwise they follow the
    /// instance's widget inputs in order, a seed's <c>control_after_generate</c> value skipped.
    /// </summary>
    private void ApplyPromotedWidgets(Scope scope, string id, JsonObject node, List<JsonObject> definedInputs, List<JsonObject> uiInputs, Scope inner, FlatLink?[] inputBindings)
    {
        if (node["widgets_values"] is not JsonArray values || values.Count == 0)
        {
            return;
        }

        var type = node["type"]?.ToString();
        if (node["properties"]?["proxyWidgets"] is JsonArray proxies)
        {
            for (var i = 0; i < proxies.Count && i < values.Count; i++)
            {
                if (proxies[i] is not JsonArray pair || pair.Count < 2)
                {
                    continue;
                }

                var innerId = pair[0]?.ToString() ?? string.Empty;
                var widget = pair[1]?.ToString() ?? string.Empty;
                if (innerId == "-1")
                {
                    var slot = definedInputs.FindIndex(d => d["name"]?.ToString() == widget);
                    if (slot >= 0 && inputBindings[slot] is null)
                    {
                        inputBindings[slot] = FlatLink.Value(values[i]?.DeepClone());
                    }
                }
                else if (inner.Nodes.ContainsKey(innerId))
                {
                    Override(inner.Prefix + innerId, widget, values[i]);
                }
                else
                {
                    Report(scope, id, type, widget, false, $"the promoted widget points at inner node {innerId}, which the subgraph does not have; its value is ignored");
                }
            }

            return;
        }

        var position = 0;
        foreach (var input in uiInputs.Where(u => u["widget"] is not null))
        {
            if (position >= values.Count)
            {
                break;
            }

            var value = values[position++];
            var slot = definedInputs.FindIndex(d => d["name"]?.ToString() == input["name"]?.ToString());
            var target = slot >= 0 ? InnerWidgetTarget(inner, slot) : null;
            if (target?.HasControlAfterGenerate == true && position < values.Count && values[position] is JsonValue control
                && control.GetValueKind() == JsonValueKind.String && ComfyWorkflowConverter.ControlValues.Contains(control.GetValue<string>()))
            {
                position++;
            }

            if (slot >= 0 && inputBindings[slot] is null && !HasLink(input["link"]))
            {
                inputBindings[slot] = FlatLink.Value(value?.DeepClone());
            }
        }

        if (position < values.Count)
        {
            Report(scope, id, type, null, false, $"{values.Count - position} more widget value(s) on the subgraph instance than it has widget inputs; they are ignored, so check the inner nodes' values");
        }
    }

    /// <summary>The spec of the first inner widget a subgraph input feeds.</summary>
    private ComfyInputSpec? InnerWidgetTarget(Scope inner, int slot)
    {
        foreach (var (linkId, target, _) in inner.Targets)
        {
            if (inner.Links.TryGetValue(linkId, out var link) && link.Origin == SubgraphInputNode && link.Slot == slot
                && inner.Nodes.TryGetValue(target, out var node))
            {
                var widget = (node["inputs"] as JsonArray ?? []).OfType<JsonObject>()
                    .FirstOrDefault(i => i["link"]?.ToString() == linkId)?["widget"]?["name"]?.ToString();
                var spec = widget is null ? null : _info.GetInputs(node["type"]?.ToString() ?? string.Empty).FirstOrDefault(s => s.Name == widget);
                if (spec is not null)
                {
                    return spec;
                }
            }
        }

        return null;
    }

    private void Override(string flatId, string widget, JsonNode? value)
    {
        if (!WidgetOverrides.TryGetValue(flatId, out var map))
        {
            map = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
            WidgetOverrides[flatId] = map;
        }

        map[widget] = value?.DeepClone();
    }

    /// <summary>
    /// Expands a legacy group node. Its inner nodes are laid out as the editor lays them out: per inner node (by index), its
    /// widgets and then its sockets, skipping those fed inside the group and those hidden in <c>config</c>; a repeated name is
    /// prefixed with the inner node's title. Outputs are every inner output not consumed only inside the group.
    /// </summary>
    private IReadOnlyList<FlatLink?> ExpandGroupNode(Scope scope, string id, JsonObject node, JsonObject group, List<FlatLink?> bindings)
    {
        var type = node["type"]!.ToString();
        var members = (group["nodes"] as JsonArray ?? []).OfType<JsonObject>()
            .Select((n, position) => (Node: n, Index: n["index"] is JsonValue iv && iv.TryGetValue<int>(out var idx) ? idx : position))
            .OrderBy(m => m.Index)
            .ToList();
        var prefix = scope.Prefix + id + ":";
        var internalLinks = (group["links"] as JsonArray ?? []).OfType<JsonArray>()
            .Where(l => l.Count >= 4 && l[0] is JsonValue && l[2] is JsonValue)
            .Select(l => (Origin: l[0]!.ToString(), OriginSlot: SlotOf(l[1]), Target: l[2]!.ToString(), TargetSlot: SlotOf(l[3])))
            .ToList();
        var external = (group["external"] as JsonArray ?? []).OfType<JsonArray>()
            .Where(e => e.Count >= 2)
            .Select(e => (Node: e[0]?.ToString(), Slot: SlotOf(e[1])))
            .ToHashSet();

        foreach (var member in members)
        {
            var memberType = member.Node["type"]?.ToString() ?? string.Empty;
            if (!_info.HasClass(memberType))
            {
                Report(scope, id, type, null, true, $"the group node contains a {memberType} node (index {member.Index}) that is not installed on the target server, so the group's values cannot be laid out; install the node pack, or ungroup the node in the editor (right-click → Convert to nodes) and save again");
                return [.. ((node["outputs"] as JsonArray) ?? []).Select(_ => (FlatLink?)null)];
            }
        }

        // The group's own inputs and widgets, in the editor's order.
        var slots = new List<(string Name, int Member, string Input, bool IsWidget, ComfyInputSpec Spec)>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (member, index) in members)
        {
            var memberType = member["type"]!.ToString();
            var uiInputs = (member["inputs"] as JsonArray ?? []).OfType<JsonObject>().ToList();
            var specs = _info.GetInputs(memberType);
            foreach (var widgets in new[] { true, false })
            {
                foreach (var spec in specs.Where(s => s.IsWidget == widgets))
                {
                    var uiSlot = uiInputs.FindIndex(u => u["name"]?.ToString() == spec.Name || u["widget"]?["name"]?.ToString() == spec.Name);
                    var fedInside = uiSlot >= 0 && internalLinks.Any(l => l.Target == index.ToString(System.Globalization.CultureInfo.InvariantCulture) && l.TargetSlot == uiSlot);
                    var config = group["config"]?[index.ToString(System.Globalization.CultureInfo.InvariantCulture)]?["input"]?[spec.Name];
                    if (fedInside || config?["visible"] is JsonValue visible && visible.GetValueKind() == JsonValueKind.False)
                    {
                        continue;
                    }

                    var name = config?["name"]?.ToString() ?? (uiSlot >= 0 ? uiInputs[uiSlot]["label"]?.ToString() : null) ?? spec.Name;
                    var key = name;
                    if (seen.TryGetValue(name, out var count))
                    {
                        var title = (member["title"]?.ToString() ?? memberType) + " ";
                        key = name = title + spec.Name;
                        if (seen.TryGetValue(name, out var again))
                        {
                            name = $"{title}{again} {spec.Name}";
                        }
                    }

                    seen[key] = seen.GetValueOrDefault(key, 1) + 1;
                    slots.Add((name, index, spec.Name, widgets, spec));
                }
            }
        }

        // Which inner input each instance input feeds, by name (a widget input also by its widget name).
        var fed = new Dictionary<(int Member, string Input), FlatLink?>();
        var instanceInputs = (node["inputs"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        for (var i = 0; i < instanceInputs.Count; i++)
        {
            if (!HasLink(instanceInputs[i]["link"]))
            {
                continue;
            }

            var name = instanceInputs[i]["widget"]?["name"]?.ToString() ?? instanceInputs[i]["name"]?.ToString();
            var match = slots.FindIndex(s => s.Name == name);
            if (match < 0)
            {
                match = slots.FindIndex(s => s.Name == instanceInputs[i]["name"]?.ToString());
            }

            if (match < 0)
            {
                Report(scope, id, type, name, true, $"the group node's input '{name}' does not match any input of its inner nodes (the group was made with another editor version); ungroup the node in the editor (right-click → Convert to nodes) and save again");
                continue;
            }

            fed[(slots[match].Member, slots[match].Input)] = bindings[i];
        }

        // Widget values typed on the instance, positional over the group's widgets.
        var values = (node["widgets_values"] as JsonArray)?.ToList() ?? [];
        var position = 0;
        foreach (var slot in slots.Where(s => s.IsWidget))
        {
            if (position >= values.Count)
            {
                if (values.Count > 0)
                {
                    Report(scope, id, type, slot.Name, false, "the group node has fewer widget values than its inner nodes have widgets; the inner node's saved value is used, so check it");
                }

                break;
            }

            var value = values[position++];
            if (!fed.ContainsKey((slot.Member, slot.Input)))
            {
                Override(prefix + slot.Member.ToString(System.Globalization.CultureInfo.InvariantCulture), slot.Input, value);
            }

            if (slot.Spec.HasControlAfterGenerate && position < values.Count && values[position] is JsonValue control
                && control.GetValueKind() == JsonValueKind.String && ComfyWorkflowConverter.ControlValues.Contains(control.GetValue<string>()))
            {
                position++;
            }

            if (slot.Spec.IsUpload && position < values.Count && values[position] is JsonValue up && up.GetValueKind() == JsonValueKind.String && ComfyWorkflowConverter.UploadValues.Contains(up.GetValue<string>()))
            {
                position++;
            }
        }

        if (position < values.Count)
        {
            Report(scope, id, type, null, false, $"{values.Count - position} more widget value(s) on the group node than its inner nodes have widgets; the editor and server versions may differ, so check the inner values");
        }

        // The inner nodes themselves, fed from inside the group or from the instance.
        foreach (var (member, index) in members)
        {
            var memberId = index.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var clone = (JsonObject)member.DeepClone();
            clone["id"] = prefix + memberId;
            clone.Remove("index");
            var inputs = clone["inputs"] as JsonArray ?? [];
            clone["inputs"] = inputs;
            foreach (var input in inputs.OfType<JsonObject>())
            {
                input["link"] = null;
            }

            foreach (var link in internalLinks.Where(l => l.Target == memberId))
            {
                if (link.TargetSlot < inputs.Count && inputs[link.TargetSlot] is JsonObject input)
                {
                    var key = $"{prefix}#{link.Origin}.{link.OriginSlot}";
                    Links[key] = FlatLink.To(prefix + link.Origin, link.OriginSlot);
                    input["link"] = key;
                }
            }

            foreach (var ((target, inputName), binding) in fed)
            {
                if (target != index)
                {
                    continue;
                }

                var input = inputs.OfType<JsonObject>().FirstOrDefault(u => u["name"]?.ToString() == inputName || u["widget"]?["name"]?.ToString() == inputName);
                var spec = slots.First(s => s.Member == index && s.Input == inputName).Spec;
                if (input is null)
                {
                    input = new JsonObject { ["name"] = inputName, ["type"] = spec.Type };
                    if (spec.IsWidget)
                    {
                        input["widget"] = new JsonObject { ["name"] = inputName };
                    }

                    inputs.Add(input);
                }

                if (binding is { } b)
                {
                    var key = $"{prefix}#in.{inputName}.{index}";
                    Links[key] = b;
                    input["link"] = key;
                }
            }

            Nodes[prefix + memberId] = clone;
        }

        // The group's outputs: every inner output not consumed only inside the group, unless config says otherwise.
        var outputs = new List<FlatLink?>();
        foreach (var (member, index) in members)
        {
            var memberId = index.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var count = _info.GetOutputs(member["type"]!.ToString()).Count;
            for (var slot = 0; slot < count; slot++)
            {
                var usedInside = internalLinks.Any(l => l.Origin == memberId && l.OriginSlot == slot) && !external.Contains((memberId, slot));
                var visible = group["config"]?[memberId]?["output"]?[slot.ToString(System.Globalization.CultureInfo.InvariantCulture)]?["visible"] is JsonValue v
                    ? v.GetValueKind() == JsonValueKind.True
                    : !usedInside;
                if (visible)
                {
                    outputs.Add(FlatLink.To(prefix + memberId, slot));
                }
            }
        }

        return outputs;
    }

    private static int SlotOf(JsonNode? node) => node is JsonValue v && v.TryGetValue<int>(out var slot) ? slot : 0;

    /// <summary>What a flat link carries: a producer's output slot, or a literal typed on a container.</summary>
    /// <param name="Origin">The producing flat node, or null for a literal.</param>
    /// <param name="Slot">The producer's output slot.</param>
    /// <param name="Literal">The literal value, when <paramref name="Origin"/> is null.</param>
    internal readonly record struct FlatLink(string? Origin, int Slot, JsonNode? Literal)
    {
        public static FlatLink To(string origin, int slot) => new(origin, slot, null);

        public static FlatLink Value(JsonNode? value) => new(null, 0, value);
    }

    /// <summary>One graph level: the root, or the inside of one container instance.</summary>
    private sealed class Scope(string prefix, IReadOnlyList<FlatLink?> inputBindings, int depth, string[] stack)
    {
        public string Prefix { get; } = prefix;

        public IReadOnlyList<FlatLink?> InputBindings { get; } = inputBindings;

        public int Depth { get; } = depth;

        public string[] Stack { get; } = stack;

        public Dictionary<string, JsonObject> Nodes { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, (string Origin, int Slot)> Links { get; } = new(StringComparer.Ordinal);

        public List<(string LinkId, string Target, int TargetSlot)> Targets { get; } = [];

        public Dictionary<string, IReadOnlyList<FlatLink?>> Expanded { get; } = new(StringComparer.Ordinal);

        public void AddNodes(JsonArray? nodes)
        {
            foreach (var node in (nodes ?? []).OfType<JsonObject>())
            {
                if (node["id"] is not null)
                {
                    Nodes[node["id"]!.ToString()] = node;
                }
            }
        }

        /// <summary>Reads links in either form: <c>[id, origin, originSlot, target, targetSlot, type]</c> or objects with those fields.</summary>
        public void AddLinks(JsonArray? links)
        {
            foreach (var l in links ?? [])
            {
                if (l is JsonArray arr && arr.Count >= 5 && arr[0] is not null)
                {
                    Add(arr[0]!.ToString(), arr[1]?.ToString(), arr[2], arr[3]?.ToString(), arr[4]);
                }
                else if (l is JsonObject obj && obj["id"] is not null)
                {
                    Add(obj["id"]!.ToString(), obj["origin_id"]?.ToString(), obj["origin_slot"], obj["target_id"]?.ToString(), obj["target_slot"]);
                }
            }
        }

        private void Add(string id, string? origin, JsonNode? originSlot, string? target, JsonNode? targetSlot)
        {
            Links[id] = (origin ?? string.Empty, SlotOf(originSlot));
            Targets.Add((id, target ?? string.Empty, SlotOf(targetSlot)));
        }
    }
}
