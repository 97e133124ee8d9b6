using System.Text.Json;
using System.Text.Json.Nodes;
using Dhee.Validation;

namespace Dhee.Bundles;

/// <summary>
/// Maps a parsed bundle document onto the model, reporting every missing field, wrong type and unknown value
/// instead of stopping at the first. Fields it does not know are kept in the <c>Extensions</c> objects.
/// </summary>
internal sealed class BundleReader(ProblemCollector problems, JsonNodeOptions nodeOptions, JsonDocumentOptions documentOptions)
{
    private static readonly HashSet<string> BundleFields = new(StringComparer.Ordinal)
    {
        "id", "version", "goal", "engineCompat", "license", "displayName", "description", "dependencies", "inputs", "nodes",
    };

    private static readonly HashSet<string> NodeFields = new(StringComparer.Ordinal)
    {
        "id", "kind", "itemSource", "itemKey", "allowEmptyItems", "inputs", "outputs", "runner", "displayName", "headlineField", "displayCapability",
    };

    private static readonly Dictionary<string, NodeKind> Kinds = new(StringComparer.Ordinal)
    {
        ["stage"] = NodeKind.Stage,
        ["collection"] = NodeKind.Collection,
    };

    private static readonly Dictionary<string, InputUsage> Usages = new(StringComparer.Ordinal)
    {
        ["input"] = InputUsage.Input,
        ["context"] = InputUsage.Context,
        ["reference"] = InputUsage.Reference,
        ["aggregate"] = InputUsage.Aggregate,
    };

    private static readonly Dictionary<string, InputScope> Scopes = new(StringComparer.Ordinal)
    {
        ["matching"] = InputScope.Matching,
        ["all"] = InputScope.All,
        ["any"] = InputScope.Any,
        ["previousN"] = InputScope.PreviousN,
    };

    private static readonly Dictionary<string, OutputFormat> Formats = new(StringComparer.Ordinal)
    {
        ["md"] = OutputFormat.Markdown,
        ["markdown"] = OutputFormat.Markdown,
        ["json"] = OutputFormat.Json,
        ["text"] = OutputFormat.Text,
        ["image"] = OutputFormat.Image,
        ["video"] = OutputFormat.Video,
        ["audio"] = OutputFormat.Audio,
    };

    private static readonly Dictionary<string, BundleInputKind> InputKinds = new(StringComparer.Ordinal)
    {
        ["file"] = BundleInputKind.File,
        ["project"] = BundleInputKind.Project,
    };

    private static readonly Dictionary<string, AggregateStrategy> Strategies = new(StringComparer.Ordinal)
    {
        ["list"] = AggregateStrategy.List,
        ["join"] = AggregateStrategy.Join,
    };

    /// <summary>Reads the whole document; returns the model (with placeholders where fields were missing) and each node's index in <c>nodes</c>.</summary>
    public (Bundle Bundle, IReadOnlyList<int> NodeIndices) Read(JsonElement root, string? sourcePath, string? bundleDir)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            problems.Add("$", "bundle.field.type", $"a bundle must be a JSON object, but the document is {Describe(root)}", "Wrap the bundle in { … } with at least 'id', 'goal' and 'nodes'.");
            return (new Bundle { Id = string.Empty, Goal = string.Empty, Nodes = [], SourcePath = sourcePath, BundleDir = bundleDir }, []);
        }

        var nodes = new List<BundleNode>();
        var indices = new List<int>();
        if (Array(root, "nodes", "$", required: true, "Add \"nodes\": [ … ] with one object per step.") is { } nodeArray)
        {
            var i = 0;
            foreach (var element in nodeArray.EnumerateArray())
            {
                if (ReadNode(element, JsonPaths.Index("$.nodes", i)) is { } node)
                {
                    nodes.Add(node);
                    indices.Add(i);
                }

                i++;
            }

            if (i == 0)
            {
                problems.Add("$.nodes", "bundle.nodes.empty", "'nodes' is empty; a bundle needs at least one node", "Add a node and name it in 'goal'.");
            }
        }

        var extensions = new JsonObject();
        foreach (var property in root.EnumerateObject())
        {
            if (!BundleFields.Contains(property.Name))
            {
                extensions[property.Name] = ToNode(property.Value);
            }
        }

        var bundle = new Bundle
        {
            Id = String(root, "id", "$", required: true, "Add \"id\": \"my-bundle\" (a short, unique name).") ?? string.Empty,
            Version = String(root, "version", "$", required: false) ?? "0.0.0",
            Goal = String(root, "goal", "$", required: true, "Add \"goal\" naming the node whose output is the bundle's result.") ?? string.Empty,
            EngineCompat = String(root, "engineCompat", "$", required: false),
            License = String(root, "license", "$", required: false),
            DisplayName = String(root, "displayName", "$", required: false),
            Description = String(root, "description", "$", required: false),
            Dependencies = ReadDependencies(root),
            Inputs = ReadInputs(root),
            Nodes = nodes,
            SourcePath = sourcePath,
            BundleDir = bundleDir,
            Extensions = extensions,
        };
        return (bundle, indices);
    }

    private BundleDependencies ReadDependencies(JsonElement root)
    {
        if (Object(root, "dependencies", "$") is not { } deps)
        {
            return new BundleDependencies();
        }

        return new BundleDependencies
        {
            Runners = StringMap(deps, "runners", "$.dependencies"),
            RunnerPackages = StringMap(deps, "runnerPackages", "$.dependencies"),
        };
    }

    private Dictionary<string, string> StringMap(JsonElement obj, string name, string path)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Object(obj, name, path) is not { } element)
        {
            return map;
        }

        var mapPath = JsonPaths.Property(path, name);
        foreach (var property in element.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.String)
            {
                map[property.Name] = property.Value.GetString()!;
            }
            else
            {
                problems.Add(JsonPaths.Property(mapPath, property.Name), "bundle.field.type", $"'{property.Name}' must be a string, but is {Describe(property.Value)}", "Write the value as a string, for example \">=0.1.0\".");
            }
        }

        return map;
    }

    private List<BundleInputDeclaration> ReadInputs(JsonElement root)
    {
        var inputs = new List<BundleInputDeclaration>();
        if (Array(root, "inputs", "$", required: false) is not { } array)
        {
            return inputs;
        }

        var i = 0;
        foreach (var element in array.EnumerateArray())
        {
            var path = JsonPaths.Index("$.inputs", i++);
            if (element.ValueKind != JsonValueKind.Object)
            {
                problems.Add(path, "bundle.field.type", $"a bundle input must be an object, but is {Describe(element)}", "Write it as { \"id\": …, \"kind\": \"file\", \"path\": … }.");
                continue;
            }

            inputs.Add(new BundleInputDeclaration
            {
                Id = String(element, "id", path, required: true, "Add an \"id\" that nodes can name in 'from'.") ?? string.Empty,
                Kind = Enum(element, "kind", path, InputKinds, BundleInputKind.File, required: true),
                Path = String(element, "path", path, required: false),
                Field = String(element, "field", path, required: false),
                Default = element.TryGetProperty("default", out var value) ? ToNode(value) : null,
                Required = Bool(element, "required", path) ?? true,
                Label = String(element, "label", path, required: false),
            });
        }

        return inputs;
    }

    private BundleNode? ReadNode(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            problems.Add(path, "bundle.field.type", $"a node must be an object, but is {Describe(element)}", "Write it as { \"id\": …, \"outputs\": …, \"runner\": … }.");
            return null;
        }

        var extensions = new JsonObject();
        foreach (var property in element.EnumerateObject())
        {
            if (!NodeFields.Contains(property.Name))
            {
                extensions[property.Name] = ToNode(property.Value);
            }
        }

        return new BundleNode
        {
            Id = String(element, "id", path, required: true, "Add a unique \"id\" to the node.") ?? string.Empty,
            Kind = Enum(element, "kind", path, Kinds, NodeKind.Stage, required: false),
            ItemSource = String(element, "itemSource", path, required: false),
            ItemKey = String(element, "itemKey", path, required: false),
            AllowEmptyItems = Bool(element, "allowEmptyItems", path) ?? false,
            Inputs = ReadNodeInputs(element, path),
            Outputs = ReadOutputs(element, path),
            Runner = ReadRunner(element, path),
            DisplayName = String(element, "displayName", path, required: false),
            HeadlineField = String(element, "headlineField", path, required: false),
            DisplayCapability = String(element, "displayCapability", path, required: false),
            Extensions = extensions,
        };
    }

    private List<NodeInput> ReadNodeInputs(JsonElement node, string nodePath)
    {
        var inputs = new List<NodeInput>();
        if (Array(node, "inputs", nodePath, required: false) is not { } array)
        {
            return inputs;
        }

        var i = 0;
        foreach (var element in array.EnumerateArray())
        {
            var path = JsonPaths.Index(nodePath + ".inputs", i++);
            if (element.ValueKind != JsonValueKind.Object)
            {
                problems.Add(path, "bundle.field.type", $"a node input must be an object, but is {Describe(element)}", "Write it as { \"from\": \"upstream_node\", \"usage\": \"input\" }.");
                continue;
            }

            inputs.Add(new NodeInput
            {
                From = String(element, "from", path, required: true, "Add \"from\" naming an upstream node or bundle input.") ?? string.Empty,
                Usage = Enum(element, "usage", path, Usages, InputUsage.Input, required: false),
                Scope = Enum(element, "scope", path, Scopes, InputScope.Matching, required: false),
                N = Int(element, "n", path) ?? 5,
                Aggregate = ReadAggregate(element, path),
            });
        }

        return inputs;
    }

    private AggregateSpec? ReadAggregate(JsonElement input, string inputPath)
    {
        if (Object(input, "aggregate", inputPath) is not { } aggregate)
        {
            return null;
        }

        var path = inputPath + ".aggregate";
        var separator = String(aggregate, "sep", path, required: false) ?? String(aggregate, "separator", path, required: false);
        return new AggregateSpec
        {
            Strategy = Enum(aggregate, "strategy", path, Strategies, AggregateStrategy.List, required: false),
            Separator = separator ?? "\n\n",
            Limit = Int(aggregate, "limit", path),
        };
    }

    private NodeOutputs ReadOutputs(JsonElement node, string nodePath)
    {
        if (Object(node, "outputs", nodePath, required: true, "Add \"outputs\": { \"format\": \"json\", \"pattern\": \"plans/x.json\" }.") is not { } outputs)
        {
            return new NodeOutputs { Format = OutputFormat.Json, Pattern = string.Empty };
        }

        var path = nodePath + ".outputs";
        return new NodeOutputs
        {
            Format = Enum(outputs, "format", path, Formats, OutputFormat.Json, required: true),
            Pattern = String(outputs, "pattern", path, required: true, "Add a project-relative \"pattern\" such as \"assets/images/{{item_id}}.png\".") ?? string.Empty,
        };
    }

    private NodeRunner ReadRunner(JsonElement node, string nodePath)
    {
        if (Object(node, "runner", nodePath, required: true, "Add \"runner\": { \"tool\": \"llm.generate\", \"config\": { … } }.") is not { } runner)
        {
            return new NodeRunner { Tool = string.Empty };
        }

        var path = nodePath + ".runner";
        var config = Object(runner, "config", path) is { } configElement ? ToNode(configElement)!.AsObject() : [];
        return new NodeRunner
        {
            Tool = String(runner, "tool", path, required: true, "Add the runner's dot-namespaced \"tool\" id, such as \"llm.generate\".") ?? string.Empty,
            Config = config,
        };
    }

    private string? String(JsonElement obj, string name, string path, bool required, string? fix = null)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                problems.Add(JsonPaths.Property(path, name), "bundle.field.missing", $"'{name}' is missing", fix);
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            problems.Add(JsonPaths.Property(path, name), "bundle.field.type", $"'{name}' must be a string, but is {Describe(value)}", $"Write '{name}' as a string in double quotes.");
            return null;
        }

        var text = value.GetString()!;
        if (required && string.IsNullOrWhiteSpace(text))
        {
            problems.Add(JsonPaths.Property(path, name), "bundle.field.missing", $"'{name}' is empty", fix);
        }

        return text;
    }

    private bool? Bool(JsonElement obj, string name, string path)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetBoolean();
        }

        problems.Add(JsonPaths.Property(path, name), "bundle.field.type", $"'{name}' must be true or false, but is {Describe(value)}", $"Write '{name}' as true or false, without quotes.");
        return null;
    }

    private int? Int(JsonElement obj, string name, string path)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number))
        {
            return number;
        }

        problems.Add(JsonPaths.Property(path, name), "bundle.field.type", $"'{name}' must be a whole number, but is {Describe(value)}", $"Write '{name}' as a whole number, such as 3.");
        return null;
    }

    private JsonElement? Object(JsonElement obj, string name, string path, bool required = false, string? fix = null) =>
        Container(obj, name, path, JsonValueKind.Object, required, fix);

    private JsonElement? Array(JsonElement obj, string name, string path, bool required, string? fix = null) =>
        Container(obj, name, path, JsonValueKind.Array, required, fix);

    private JsonElement? Container(JsonElement obj, string name, string path, JsonValueKind kind, bool required, string? fix)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                problems.Add(JsonPaths.Property(path, name), "bundle.field.missing", $"'{name}' is missing", fix);
            }

            return null;
        }

        if (value.ValueKind != kind)
        {
            var expected = kind == JsonValueKind.Object ? "an object { … }" : "an array [ … ]";
            problems.Add(JsonPaths.Property(path, name), "bundle.field.type", $"'{name}' must be {expected}, but is {Describe(value)}", fix ?? $"Write '{name}' as {expected}.");
            return null;
        }

        return value;
    }

    private T Enum<T>(JsonElement obj, string name, string path, Dictionary<string, T> values, T fallback, bool required)
        where T : struct
    {
        var text = String(obj, name, path, required, $"Set '{name}' to one of: {string.Join(", ", values.Keys)}.");
        if (text is null)
        {
            return fallback;
        }

        if (values.TryGetValue(text, out var value))
        {
            return value;
        }

        if (text.Length > 0)
        {
            var suggestion = values.Keys.FirstOrDefault(k => string.Equals(k, text, StringComparison.OrdinalIgnoreCase));
            var fix = suggestion is not null
                ? $"Write '{suggestion}' (values are case-sensitive)."
                : $"Set '{name}' to one of: {string.Join(", ", values.Keys)}.";
            problems.Add(JsonPaths.Property(path, name), "bundle.value.unknown", $"'{name}' is '{text}', which is not a known {name}", fix);
        }

        return fallback;
    }

    private JsonNode? ToNode(JsonElement element) => JsonNode.Parse(element.GetRawText(), nodeOptions, documentOptions);

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the string \"{element.GetString()}\"",
        JsonValueKind.Number => $"the number {element.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => element.GetRawText(),
        _ => "null",
    };
}
