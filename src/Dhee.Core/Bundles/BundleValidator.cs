using System.Text.Json;
using System.Text.Json.Nodes;
using Dhee.Registry;
using Dhee.Utils;
using Dhee.Validation;
using Dhee.Versioning;
using NuGet.Versioning;

namespace Dhee.Bundles;

/// <summary>
/// Checks a bundle's structure: node ids, <c>from</c> and <c>itemSource</c> references, cycles, the goal, collection
/// output patterns, unsafe or missing file paths, tool ids, version ranges. Every problem is collected.
/// </summary>
/// <remarks>
/// The bundle loader runs these rules on every load; call <see cref="Validate(Bundle)"/> for bundles built in code.
/// Runner-specific checks (tool registered, versions, credentials, config schemas) belong to the runner registry.
/// </remarks>
public static class BundleValidator
{
    /// <summary>Config keys whose string values are always bundle-relative file paths.</summary>
    internal static readonly IReadOnlySet<string> PathKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        "promptTemplate", "outputSchema", "workflowPath", "manifestPath", "scriptPath",
    };

    /// <summary>Placeholders that vary per collection item, at least one of which a collection's output pattern must contain.</summary>
    internal static readonly IReadOnlyList<string> ItemPlaceholders = ["{{item_id}}", "{{shot_id}}", "{{scene_id}}", "{{chunk_id}}"];

    /// <summary>Checks <paramref name="bundle"/> and returns every problem found; empty when it is valid.</summary>
    /// <param name="bundle">The bundle. When <see cref="Bundle.BundleDir"/> is set, referenced files must exist under it.</param>
    /// <returns>The problems, naming <see cref="Bundle.SourcePath"/> as the file.</returns>
    public static IReadOnlyList<ValidationProblem> Validate(Bundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        var problems = new ProblemCollector(bundle.SourcePath);
        Validate(bundle, Enumerable.Range(0, bundle.Nodes.Count).ToList(), problems);
        return problems.Problems;
    }

    /// <summary>Checks <paramref name="bundle"/>, whose node <c>i</c> sits at <c>$.nodes[nodeIndices[i]]</c> in its file.</summary>
    internal static void Validate(Bundle bundle, IReadOnlyList<int> nodeIndices, ProblemCollector problems)
    {
        string NodePath(int i) => JsonPaths.Index("$.nodes", nodeIndices[i]);

        CheckBundleFields(bundle, problems);

        // Node ids: unique, and distinct from bundle input ids so 'from' is never ambiguous.
        var nodeIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < bundle.Nodes.Count; i++)
        {
            var id = bundle.Nodes[i].Id;
            if (id.Length == 0)
            {
                continue;
            }

            if (!nodeIndex.TryAdd(id, i))
            {
                problems.Add(NodePath(i) + ".id", "bundle.node.duplicate", $"node id '{id}' is used twice (first at {NodePath(nodeIndex[id])})", "Give every node a unique id.");
            }
        }

        var inputIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < bundle.Inputs.Count; i++)
        {
            var input = bundle.Inputs[i];
            var path = JsonPaths.Index("$.inputs", i);
            if (input.Id.Length > 0 && (!inputIds.Add(input.Id) || nodeIndex.ContainsKey(input.Id)))
            {
                problems.Add(path + ".id", "bundle.input.duplicate", $"bundle input id '{input.Id}' is used twice or is also a node id, so 'from' would be ambiguous", "Rename the input.");
            }

            CheckBundleInput(input, path, problems);
        }

        if (bundle.Goal.Length > 0 && !nodeIndex.ContainsKey(bundle.Goal))
        {
            problems.Add("$.goal", "bundle.goal.unknown", $"goal '{bundle.Goal}' is not a node", $"Set 'goal' to one of: {List(nodeIndex.Keys)}.");
        }

        var patterns = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < bundle.Nodes.Count; i++)
        {
            var node = bundle.Nodes[i];
            var path = NodePath(i);
            CheckReferences(node, path, nodeIndex, inputIds, problems);
            CheckOutputs(node, path, patterns, NodePath, problems);
            CheckRunner(node, path, bundle.BundleDir, problems);
        }

        CheckCycles(bundle, nodeIndex, NodePath, problems);
    }

    private static void CheckBundleFields(Bundle bundle, ProblemCollector problems)
    {
        if (bundle.Version.Length > 0 && !SemanticVersion.TryParse(bundle.Version, out _))
        {
            problems.Add("$.version", "bundle.version.invalid", $"version '{bundle.Version}' is not a semantic version", "Write it as major.minor.patch, such as \"0.1.0\".");
        }

        if (bundle.EngineCompat is { } engineCompat && !NpmVersionRange.TryParse(engineCompat, out _, out var rangeError))
        {
            problems.Add("$.engineCompat", "bundle.range.invalid", rangeError!, "Write the engine versions the bundle works with as an npm range, such as \">=0.1.0\".");
        }

        foreach (var (tool, range) in bundle.Dependencies.Runners)
        {
            var path = JsonPaths.Property("$.dependencies.runners", tool);
            if (!ToolIds.IsValid(tool))
            {
                problems.Add(path, "bundle.tool.invalid", $"tool id '{tool}' is not {ToolIds.Rule}", "Use the runner's dot-namespaced tool id.");
            }

            if (!NpmVersionRange.TryParse(range, out _, out var error))
            {
                problems.Add(path, "bundle.range.invalid", error!, $"Write the versions of '{tool}' the bundle works with as an npm range, such as \"^1.0.0\".");
            }
        }
    }

    private static void CheckBundleInput(BundleInputDeclaration input, string path, ProblemCollector problems)
    {
        if (input.Kind == BundleInputKind.File)
        {
            if (string.IsNullOrWhiteSpace(input.Path))
            {
                problems.Add(path + ".path", "bundle.field.missing", $"file input '{input.Id}' has no 'path'", "Add a project-relative \"path\", such as \"inputs/story.md\".");
            }
            else if (SafePath.Check(input.Path) is { } unsafeReason)
            {
                problems.Add(path + ".path", "bundle.path.unsafe", $"file input '{input.Id}': {unsafeReason}", "Use a path inside the project folder, without a leading '/' or '..'.");
            }
        }
        else if (string.IsNullOrWhiteSpace(input.Field))
        {
            problems.Add(path + ".field", "bundle.field.missing", $"project input '{input.Id}' has no 'field'", "Add the dot-path of the project setting, such as \"aspect\".");
        }
    }

    private static void CheckReferences(BundleNode node, string path, Dictionary<string, int> nodeIndex, HashSet<string> inputIds, ProblemCollector problems)
    {
        for (var j = 0; j < node.Inputs.Count; j++)
        {
            var input = node.Inputs[j];
            var inputPath = JsonPaths.Index(path + ".inputs", j);
            if (input.From.Length > 0 && !nodeIndex.ContainsKey(input.From) && !inputIds.Contains(input.From))
            {
                problems.Add(inputPath + ".from", "bundle.from.unknown", $"node '{node.Id}' takes input from '{input.From}', which is neither a node nor a bundle input", $"Name one of: {List(nodeIndex.Keys.Concat(inputIds))}.");
            }

            if (input.Scope == InputScope.PreviousN && input.N < 1)
            {
                problems.Add(inputPath + ".n", "bundle.previousN.invalid", $"node '{node.Id}' asks for the previous {input.N} items; 'n' must be at least 1", "Set \"n\" to 1 or more.");
            }

            if (input.Aggregate?.Limit is < 1)
            {
                problems.Add(inputPath + ".aggregate.limit", "bundle.aggregate.invalid", $"node '{node.Id}' limits aggregation to {input.Aggregate.Limit} values; 'limit' must be at least 1", "Set \"limit\" to 1 or more, or remove it.");
            }
        }

        if (node.Kind == NodeKind.Collection && string.IsNullOrEmpty(node.ItemSource))
        {
            problems.Add(path + ".itemSource", "bundle.collection.itemSource", $"collection '{node.Id}' has no 'itemSource', so it has no items to fan out over", "Add \"itemSource\" naming the upstream node whose output lists the items.");
        }
        else if (!string.IsNullOrEmpty(node.ItemSource) && !nodeIndex.ContainsKey(node.ItemSource))
        {
            problems.Add(path + ".itemSource", "bundle.itemSource.unknown", $"'itemSource' of '{node.Id}' is '{node.ItemSource}', which is not a node", $"Name one of: {List(nodeIndex.Keys)}.");
        }
    }

    private static void CheckOutputs(BundleNode node, string path, Dictionary<string, int> patterns, Func<int, string> nodePath, ProblemCollector problems)
    {
        var pattern = node.Outputs.Pattern;
        if (pattern.Length == 0)
        {
            return;
        }

        var patternPath = path + ".outputs.pattern";
        if (SafePath.Check(pattern) is { } unsafeReason)
        {
            problems.Add(patternPath, "bundle.path.unsafe", $"output pattern of '{node.Id}': {unsafeReason}", "Use a project-relative pattern, such as \"assets/images/{{item_id}}.png\".");
        }

        if (node.Kind == NodeKind.Collection)
        {
            if (!ItemPlaceholders.Any(p => pattern.Contains(p, StringComparison.Ordinal)))
            {
                problems.Add(patternPath, "bundle.collection.pattern", $"collection '{node.Id}' writes every item to the same file '{pattern}'", "Put {{item_id}} in the pattern, such as \"assets/images/{{item_id}}.png\".");
            }
        }
        else
        {
            var index = patterns.Count;
            if (!patterns.TryAdd(pattern, index))
            {
                problems.Add(patternPath, "bundle.output.conflict", $"stage '{node.Id}' writes to '{pattern}', which another stage also writes", "Give every stage its own output file.");
            }
        }
    }

    private static void CheckRunner(BundleNode node, string path, string? bundleDir, ProblemCollector problems)
    {
        var tool = node.Runner.Tool;
        if (tool.Length > 0 && !ToolIds.IsValid(tool))
        {
            problems.Add(path + ".runner.tool", "bundle.tool.invalid", $"tool id '{tool}' of node '{node.Id}' is not {ToolIds.Rule}", "Use the runner's dot-namespaced tool id.");
        }

        CheckConfigPaths(node, node.Runner.Config, path + ".runner.config", bundleDir, problems);
    }

    private static void CheckConfigPaths(BundleNode node, JsonObject config, string path, string? bundleDir, ProblemCollector problems)
    {
        foreach (var (key, value) in config)
        {
            var valuePath = JsonPaths.Property(path, key);
            if (value is JsonObject nested)
            {
                CheckConfigPaths(node, nested, valuePath, bundleDir, problems);
                continue;
            }

            if (value is null || value.GetValueKind() != JsonValueKind.String || !IsPathKey(key, value.GetValue<string>()))
            {
                continue;
            }

            var relative = value.GetValue<string>();
            if (SafePath.Check(relative) is { } unsafeReason)
            {
                problems.Add(valuePath, "bundle.path.unsafe", $"'{key}' of node '{node.Id}': {unsafeReason}", "Use a path relative to the bundle folder, such as \"prompts/plan.md\".");
            }
            else if (bundleDir is not null)
            {
                if (!SafePath.TryResolve(bundleDir, relative, out var full, out var error))
                {
                    problems.Add(valuePath, "bundle.path.unsafe", $"'{key}' of node '{node.Id}': {error}", "Use a path inside the bundle folder.");
                }
                else if (!File.Exists(full))
                {
                    problems.Add(valuePath, "bundle.file.missing", $"'{key}' of node '{node.Id}' names '{relative}', which does not exist in the bundle folder '{bundleDir}'", $"Create '{relative}' next to bundle.json, or correct the path.");
                }
            }
        }
    }

    /// <summary>
    /// Decides whether a config value is a file reference: the well-known keys always; other keys ending in <c>Path</c>
    /// always; keys ending in <c>Template</c> or <c>Schema</c> only when the value looks like a file name (an extension,
    /// no whitespace and no <c>{{</c>), since those keys sometimes hold inline text.
    /// </summary>
    internal static bool IsPathKey(string key, string value)
    {
        if (PathKeys.Contains(key) || key.EndsWith("Path", StringComparison.Ordinal))
        {
            return !value.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !value.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
        }

        if (key.EndsWith("Template", StringComparison.Ordinal) || key.EndsWith("Schema", StringComparison.Ordinal))
        {
            return value.Length > 0
                && !value.Any(char.IsWhiteSpace)
                && !value.Contains("{{", StringComparison.Ordinal)
                && Path.HasExtension(value)
                && !value.Contains("://", StringComparison.Ordinal);
        }

        return false;
    }

    private static void CheckCycles(Bundle bundle, Dictionary<string, int> nodeIndex, Func<int, string> nodePath, ProblemCollector problems)
    {
        // Edges point from a node to what it depends on; a previousN input from the node itself reads earlier items, not a cycle.
        var edges = new List<(int Target, string Path)>[bundle.Nodes.Count];
        for (var i = 0; i < bundle.Nodes.Count; i++)
        {
            var node = bundle.Nodes[i];
            edges[i] = [];
            if (!nodeIndex.TryGetValue(node.Id, out var self) || self != i)
            {
                continue;
            }

            for (var j = 0; j < node.Inputs.Count; j++)
            {
                var input = node.Inputs[j];
                if (nodeIndex.TryGetValue(input.From, out var target) && !(target == i && input.Scope == InputScope.PreviousN))
                {
                    edges[i].Add((target, JsonPaths.Index(nodePath(i) + ".inputs", j) + ".from"));
                }
            }

            if (node.ItemSource is { } source && nodeIndex.TryGetValue(source, out var sourceIndex))
            {
                edges[i].Add((sourceIndex, nodePath(i) + ".itemSource"));
            }
        }

        var state = new int[bundle.Nodes.Count]; // 0 unvisited, 1 on the stack, 2 done
        var stack = new List<int>();
        var reported = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < bundle.Nodes.Count; i++)
        {
            Visit(i);
        }

        void Visit(int i)
        {
            if (state[i] != 0)
            {
                return;
            }

            state[i] = 1;
            stack.Add(i);
            foreach (var (target, path) in edges[i])
            {
                if (state[target] == 1)
                {
                    var cycle = stack.Skip(stack.IndexOf(target)).ToList();
                    var key = string.Join(",", cycle.Order());
                    if (reported.Add(key))
                    {
                        // Print in data-flow order: upstream first, ending where it started.
                        var names = cycle.Select(c => bundle.Nodes[c].Id).Reverse().ToList();
                        names.Add(names[0]);
                        problems.Add(path, "bundle.cycle", $"the nodes form a cycle: {string.Join(" → ", names)}", "Remove one of these inputs so the graph has no loop.");
                    }
                }
                else
                {
                    Visit(target);
                }
            }

            stack.RemoveAt(stack.Count - 1);
            state[i] = 2;
        }
    }

    private static string List(IEnumerable<string> names)
    {
        var list = names.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return list.Count == 0 ? "(none defined)" : string.Join(", ", list.Select(n => $"'{n}'"));
    }
}
