using System.Text.Json;
using System.Text.Json.Nodes;
using Dhee.Bundles;
using Dhee.Inputs;
using Dhee.Utils;
using Dhee.Validation;

namespace Dhee.Walking;

/// <summary>Turns upstream outputs and bundle inputs into a node instance's <see cref="RunnerInputs"/>.</summary>
internal static class InputResolver
{
    private static readonly HashSet<string> BinaryExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff",
        ".wav", ".mp3", ".flac", ".m4a", ".ogg", ".aac",
        ".mp4", ".mov", ".webm", ".mkv", ".avi", ".safetensors", ".bin", ".zip",
    };

    /// <summary>Resolves the bundle-level inputs once per walk; adds a problem for each required input that is absent.</summary>
    public static Dictionary<string, InputValue> ResolveBundleInputs(Bundle bundle, string projectDir, List<ValidationProblem> problems)
    {
        var values = new Dictionary<string, InputValue>(StringComparer.Ordinal);
        JsonNode? project = null;
        var projectFile = Path.Combine(projectDir, "project.json");
        var projectRead = false;
        for (var i = 0; i < bundle.Inputs.Count; i++)
        {
            var decl = bundle.Inputs[i];
            InputValue? value = null;
            string where;
            if (decl.Kind == BundleInputKind.File)
            {
                where = $"file '{decl.Path}' in the project";
                if (string.IsNullOrWhiteSpace(decl.Path))
                {
                    problems.Add(new ValidationProblem { JsonPath = $"$.inputs[{i}].path", Code = "walk.input-path", Message = $"file input '{decl.Id}' has no path", Fix = "set path to a project-relative file" });
                    continue;
                }

                if (!SafePath.TryResolve(projectDir, decl.Path, out var full, out var error))
                {
                    problems.Add(new ValidationProblem { JsonPath = $"$.inputs[{i}].path", Code = "walk.input-path", Message = $"file input '{decl.Id}': {error}", Fix = "use a path inside the project folder" });
                    continue;
                }

                if (File.Exists(full))
                {
                    value = FromFile(full, null, null);
                }
            }
            else
            {
                where = $"field '{decl.Field}' of {projectFile}";
                if (!projectRead)
                {
                    projectRead = true;
                    try
                    {
                        project = File.Exists(projectFile) ? JsonNode.Parse(File.ReadAllText(projectFile)) : null;
                    }
                    catch (JsonException e)
                    {
                        problems.Add(new ValidationProblem { File = projectFile, Code = "walk.project-json", Message = $"project.json is not valid JSON: {e.Message}", Fix = "fix or delete project.json" });
                    }
                }

                var field = Navigate(project, decl.Field);
                if (field is not null)
                {
                    value = FromJson(field);
                }
            }

            if (value is null && decl.Default is not null)
            {
                value = FromJson(decl.Default);
            }

            if (value is not null)
            {
                values[decl.Id] = value;
            }
            else if (decl.Required)
            {
                problems.Add(new ValidationProblem
                {
                    JsonPath = $"$.inputs[{i}]",
                    Code = "walk.input-missing",
                    Message = $"required bundle input '{decl.Id}' is missing: no {where} and no default",
                    Fix = decl.Kind == BundleInputKind.File ? $"create {decl.Path} in the project folder" : $"set '{decl.Field}' in project.json",
                });
            }
        }

        return values;
    }

    /// <summary>Resolves the inputs of one instance. Upstream outputs that vanished are left out.</summary>
    public static RunnerInputs Resolve(Instance instance, IReadOnlyDictionary<string, InputValue> bundleInputs, string projectDir,
        System.Collections.Concurrent.ConcurrentDictionary<Instance, InputValue?>? cache = null)
    {
        InputValue? ValueOf(Instance upstream, string dir) => cache is null ? InputResolver.ValueOf(upstream, dir) : cache.GetOrAdd(upstream, static (u, d) => InputResolver.ValueOf(u, d), dir);

        var node = instance.Node.Node;
        var values = new Dictionary<string, InputValue>(StringComparer.Ordinal);
        for (var i = 0; i < node.Inputs.Count; i++)
        {
            var input = node.Inputs[i];
            var sources = instance.Sources.Length > i ? instance.Sources[i] : null;
            InputValue? value;
            if (sources is null)
            {
                if (!bundleInputs.TryGetValue(input.From, out value))
                {
                    continue;
                }
            }
            else
            {
                value = input.Scope switch
                {
                    InputScope.All when sources.Length > 0 && sources[0].ItemId is not null =>
                        new MapInputValue([.. sources.Select(s => (s.ItemId!, ValueOf(s, projectDir))).Where(p => p.Item2 is not null).Select(p => new KeyValuePair<string, InputValue>(p.Item1, p.Item2!))]),
                    InputScope.All when sources.Length == 0 => new MapInputValue([]),
                    InputScope.PreviousN => new ListInputValue([.. sources.Select(s => ValueOf(s, projectDir)).OfType<InputValue>()]),
                    _ => sources.Length == 0 ? null : ValueOf(sources[0], projectDir),
                };
            }

            if (value is null)
            {
                continue;
            }

            var aggregate = input.Aggregate ?? (input.Usage == InputUsage.Aggregate ? new AggregateSpec() : null);
            values[input.From] = aggregate is null ? value : Aggregate(value, aggregate);
        }

        return RunnerInputs.Own(values);
    }

    /// <summary>Reads an upstream instance's output: binary files as paths, JSON parsed, text as text.</summary>
    public static InputValue? ValueOf(Instance upstream, string projectDir)
    {
        if (upstream.Output is null)
        {
            return null;
        }

        var full = Path.GetFullPath(Path.Combine(projectDir, upstream.Output));
        try
        {
            // The walker saw this output exist when its instance completed (or was found complete): no stat per consumer.
            return FromFile(full, upstream.ItemId, upstream.Node.Node.Outputs.Format, knownToExist: true);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Reads a file as an input value.</summary>
    /// <param name="fullPath">The file.</param>
    /// <param name="itemId">The collection item it belongs to, if any.</param>
    /// <param name="format">The declared format of the output, if any.</param>
    /// <param name="knownToExist">Skips the existence check of files that are not read now (paths, text read later).</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static InputValue FromFile(string fullPath, string? itemId, OutputFormat? format, bool knownToExist = false)
    {
        var ext = Path.GetExtension(fullPath);
        if (BinaryExtensions.Contains(ext) || format is OutputFormat.Image or OutputFormat.Video or OutputFormat.Audio)
        {
            return knownToExist || File.Exists(fullPath) ? new FileInputValue(fullPath, itemId) : throw new FileNotFoundException(null, fullPath);
        }

        if (!ext.Equals(".json", StringComparison.OrdinalIgnoreCase) && format != OutputFormat.Json)
        {
            // Plain text stays text whatever it holds, so reading it can wait until a runner asks.
            return knownToExist || File.Exists(fullPath) ? TextInputValue.ReadLater(fullPath, itemId, ReadText) : throw new FileNotFoundException(null, fullPath);
        }

        var text = ReadText(fullPath);
        try
        {
            return new JsonInputValue(JsonNode.Parse(text), itemId, fullPath);
        }
        catch (JsonException)
        {
            return new TextInputValue(text, itemId, fullPath);
        }
    }

    /// <summary>
    /// Reads a text output. Most are small, and a walk reads one per upstream instance: reading the exact bytes avoids
    /// the reader buffers <see cref="File.ReadAllText(string)"/> allocates. Text that may start with a UTF-16/32 byte-order
    /// mark is decoded from the same bytes by a reader that detects it.
    /// </summary>
    private static string ReadText(string fullPath)
    {
        var bytes = File.ReadAllBytes(fullPath);
        if (bytes.Length >= 2 && (bytes[0] is 0xFE or 0xFF || (bytes[0] == 0 && bytes[1] == 0)))
        {
            using var reader = new StreamReader(new MemoryStream(bytes), System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            return reader.ReadToEnd();
        }

        var utf8Bom = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
        return System.Text.Encoding.UTF8.GetString(bytes, utf8Bom, bytes.Length - utf8Bom);
    }

    /// <summary>Reads a JSON file (for collection items).</summary>
    public static JsonNode? ReadJson(string fullPath) => JsonNode.Parse(File.ReadAllText(fullPath));

    private static InputValue FromJson(JsonNode node)
        => node is JsonValue v && v.TryGetValue<string>(out var s) ? new TextInputValue(s) : new JsonInputValue(node);

    private static JsonNode? Navigate(JsonNode? root, string? dotPath)
    {
        if (root is null || string.IsNullOrWhiteSpace(dotPath))
        {
            return null;
        }

        var current = root;
        foreach (var part in dotPath.Split('.'))
        {
            current = current is JsonObject obj ? obj[part] : null;
            if (current is null)
            {
                return null;
            }
        }

        return current;
    }

    private static InputValue Aggregate(InputValue value, AggregateSpec spec)
    {
        IEnumerable<InputValue> items = value switch
        {
            MapInputValue map => map.Entries.Select(e => e.Value),
            ListInputValue many => many.Items,
            _ => [value],
        };
        if (spec.Limit is { } limit)
        {
            items = items.Take(Math.Max(0, limit));
        }

        var list = items.ToList();
        return spec.Strategy == AggregateStrategy.Join
            ? new TextInputValue(string.Join(spec.Separator, list.Select(i => i.ToText())))
            : new ListInputValue(list);
    }
}
