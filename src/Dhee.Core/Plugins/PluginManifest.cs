using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dhee.Errors;
using Dhee.Registry;
using Dhee.Runners;
using Dhee.Utils;
using Dhee.Validation;
using Dhee.Versioning;
using NuGet.Versioning;

namespace Dhee.Plugins;

/// <summary>
/// The <c>runner.json</c> manifest of a <c>Dhee.Runner.*</c> plugin package: its id and version, the engine versions it
/// works with, the entry assembly and the runners it provides. Read without loading any plugin code.
/// </summary>
/// <remarks>
/// <code>
/// {
///   "id": "Dhee.Runner.Sample",
///   "version": "1.0.0",
///   "engineCompat": "^0.1.0",
///   "entry": "Dhee.Runner.Sample.dll",
///   "runners": [ { "tool": "sample.pattern", "displayName": "Pattern", "credentials": [] } ],
///   "credentials": [],
///   "permissions": { "network": [], "fileSystem": "project", "subprocess": false, "env": [] }
/// }
/// </code>
/// A single-runner package may write <c>"tool": "x.y"</c> at the top level instead of <c>runners</c>.
/// </remarks>
public sealed partial record PluginManifest
{
    /// <summary>The manifest's file name inside a package folder.</summary>
    public const string FileName = "runner.json";

    /// <summary>The prefix every plugin package id starts with.</summary>
    public const string PackagePrefix = "Dhee.Runner.";

    /// <summary>Gets the package id, for example <c>Dhee.Runner.Sample</c>; equals the package folder's name.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the package version; equals the version folder's name and is every runner's version.</summary>
    public required SemanticVersion Version { get; init; }

    /// <summary>Gets the npm-style range of engine versions the plugin works with; it pins the major version.</summary>
    public required string EngineCompat { get; init; }

    /// <summary>Gets the entry assembly, relative to the package folder.</summary>
    public required string Entry { get; init; }

    /// <summary>Gets the runners the package provides.</summary>
    public required IReadOnlyList<PluginRunnerEntry> Runners { get; init; }

    /// <summary>Gets the environment variables every runner of the package needs.</summary>
    public IReadOnlyList<string> Credentials { get; init; } = [];

    /// <summary>Gets what the plugin declares it needs, if it says.</summary>
    public RunnerPermissions? Permissions { get; init; }

    /// <summary>Gets a short description of the package.</summary>
    public string? Description { get; init; }

    /// <summary>Gets the absolute path of the <c>runner.json</c> this manifest was read from, if it came from a file.</summary>
    public string? SourcePath { get; init; }

    /// <summary>Builds the registry manifest of every runner the package declares.</summary>
    /// <returns>One <see cref="RunnerManifest"/> per runner, carrying the package version, engine range, entry and permissions.</returns>
    public IReadOnlyList<RunnerManifest> ToRunnerManifests() => [.. Runners.Select(ToRunnerManifest)];

    /// <summary>Builds the registry manifest of one declared runner.</summary>
    /// <param name="entry">One of <see cref="Runners"/>.</param>
    /// <returns>The runner's manifest.</returns>
    public RunnerManifest ToRunnerManifest(PluginRunnerEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return new RunnerManifest
        {
            Tool = entry.Tool,
            Version = Version.ToNormalizedString(),
            EngineCompat = EngineCompat,
            Credentials = [.. Credentials.Concat(entry.Credentials).Distinct(StringComparer.Ordinal)],
            DisplayName = entry.DisplayName,
            Description = entry.Description ?? Description,
            Entry = Entry,
            Permissions = Permissions,
        };
    }

    /// <summary>Reads and validates a <c>runner.json</c> file.</summary>
    /// <param name="path">The manifest file, or the package folder that contains it.</param>
    /// <returns>The manifest.</returns>
    /// <exception cref="DheeValidationException">The file is missing or invalid; lists every problem.</exception>
    public static PluginManifest Load(string path)
    {
        if (TryLoad(path, out var manifest, out var problems))
        {
            return manifest;
        }

        throw new DheeValidationException($"plugin manifest '{ManifestPath(path)}' is invalid", problems);
    }

    /// <summary>Reads and validates a <c>runner.json</c> file without throwing.</summary>
    /// <param name="path">The manifest file, or the package folder that contains it.</param>
    /// <param name="manifest">The manifest, when it is valid.</param>
    /// <param name="problems">Every problem found; empty when valid.</param>
    /// <returns>True when the manifest is valid.</returns>
    public static bool TryLoad(string path, [NotNullWhen(true)] out PluginManifest? manifest, out IReadOnlyList<ValidationProblem> problems)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var file = ManifestPath(path);
        string json;
        try
        {
            json = File.ReadAllText(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            manifest = null;
            problems =
            [
                new ValidationProblem
                {
                    File = file,
                    Code = "plugin.manifest.unreadable",
                    Message = $"cannot read the plugin manifest: {ex.Message}",
                    Fix = $"every plugin package folder needs a readable '{FileName}' at its root",
                },
            ];
            return false;
        }

        return TryParse(json, file, out manifest, out problems);
    }

    /// <summary>Parses and validates manifest text.</summary>
    /// <param name="json">The <c>runner.json</c> text.</param>
    /// <param name="file">The file name used in problems, if any.</param>
    /// <param name="manifest">The manifest, when it is valid.</param>
    /// <param name="problems">Every problem found; empty when valid.</param>
    /// <returns>True when the manifest is valid.</returns>
    public static bool TryParse(string json, string? file, [NotNullWhen(true)] out PluginManifest? manifest, out IReadOnlyList<ValidationProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(json);
        var list = new List<ValidationProblem>();
        problems = list;
        manifest = null;

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            list.Add(new ValidationProblem
            {
                File = file,
                Line = (int?)(ex.LineNumber + 1),
                Column = (int?)(ex.BytePositionInLine + 1),
                Code = "plugin.manifest.json",
                Message = $"not valid JSON: {ex.Message}",
                Fix = "fix the JSON syntax",
            });
            return false;
        }

        if (root is not JsonObject obj)
        {
            list.Add(Problem(file, "$", "plugin.manifest.type", "the manifest must be a JSON object", "write { \"id\": …, \"version\": …, … }"));
            return false;
        }

        var id = RequiredString(obj, "id", file, list);
        if (id is not null && !IsValidPackageId(id))
        {
            list.Add(Problem(file, "$.id", "plugin.manifest.id", $"'{id}' is not a plugin package id", $"use '{PackagePrefix}<Name>' (letters, digits, '.', '_' or '-')"));
        }

        SemanticVersion? version = null;
        var versionText = RequiredString(obj, "version", file, list);
        if (versionText is not null && !SemanticVersion.TryParse(versionText, out version))
        {
            list.Add(Problem(file, "$.version", "plugin.manifest.version", $"'{versionText}' is not a semantic version", "use MAJOR.MINOR.PATCH, for example 1.0.0"));
        }

        var engineCompat = RequiredString(obj, "engineCompat", file, list);
        if (engineCompat is not null)
        {
            var error = CheckEngineCompat(engineCompat);
            if (error is not null)
            {
                list.Add(Problem(file, "$.engineCompat", "plugin.manifest.engineCompat", error, "pin the engine major version, for example \"^0.1.0\" or \">=1.2.0 <2.0.0\""));
            }
        }

        var entry = RequiredString(obj, "entry", file, list);
        if (entry is not null)
        {
            var error = SafePath.Check(entry);
            if (error is not null)
            {
                list.Add(Problem(file, "$.entry", "plugin.manifest.entry", error, "give the entry assembly relative to the package folder, for example \"Dhee.Runner.Sample.dll\""));
            }
            else if (!entry.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            {
                list.Add(Problem(file, "$.entry", "plugin.manifest.entry", $"'{entry}' is not an assembly", "name the plugin's .dll"));
            }
        }

        var credentials = StringList(obj, "credentials", "$.credentials", file, list, IsEnvName, "an environment variable name");
        var runners = ReadRunners(obj, file, list);
        var permissions = ReadPermissions(obj, file, list);
        var description = OptionalString(obj, "description", file, list);

        if (list.Count > 0)
        {
            return false;
        }

        manifest = new PluginManifest
        {
            Id = id!,
            Version = version!,
            EngineCompat = engineCompat!,
            Entry = entry!,
            Runners = runners,
            Credentials = credentials,
            Permissions = permissions,
            Description = description,
            SourcePath = file is null ? null : Path.GetFullPath(file),
        };
        return true;
    }

    /// <summary>Tells whether <paramref name="id"/> is a valid plugin package id (<c>Dhee.Runner.&lt;Name&gt;</c>).</summary>
    /// <param name="id">The candidate id.</param>
    /// <returns>True when it is.</returns>
    public static bool IsValidPackageId(string id)
        => id is not null && id.StartsWith(PackagePrefix, StringComparison.OrdinalIgnoreCase) && PackageIdPattern().IsMatch(id);

    /// <summary>Explains why an engine range is unacceptable for a plugin, or returns null when it is fine.</summary>
    internal static string? CheckEngineCompat(string range)
    {
        var trimmed = range.Trim();
        if (trimmed.Length == 0 || trimmed is "*" or "x" or "X" or "latest")
        {
            return $"'{range}' accepts every engine version; a plugin must say which engine major versions it was built for";
        }

        if (!NpmVersionRange.TryParse(trimmed, out var parsed, out var parseError))
        {
            return $"'{range}' is not a valid npm-style range: {parseError}";
        }

        // The range pins the major when it rejects the first version of the major after the highest major it mentions.
        var highestMajor = MajorPattern().Matches(trimmed).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max();
        if (parsed.IsSatisfiedBy(new SemanticVersion(highestMajor + 1, 0, 0), includePrerelease: true))
        {
            return $"'{range}' has no upper bound on the engine major version (it accepts {highestMajor + 1}.0.0)";
        }

        return null;
    }

    internal static string ManifestPath(string path)
        => Directory.Exists(path) ? Path.Combine(path, FileName) : path;

    private static IReadOnlyList<PluginRunnerEntry> ReadRunners(JsonObject obj, string? file, List<ValidationProblem> list)
    {
        var result = new List<PluginRunnerEntry>();
        if (obj["runners"] is null && obj["tool"] is not null)
        {
            var tool = RequiredString(obj, "tool", file, list);
            if (tool is not null)
            {
                CheckTool(tool, "$.tool", file, list);
                result.Add(new PluginRunnerEntry
                {
                    Tool = tool,
                    Type = OptionalString(obj, "type", file, list),
                    DisplayName = OptionalString(obj, "displayName", file, list),
                    Description = OptionalString(obj, "description", file, list),
                });
            }

            return result;
        }

        if (obj["runners"] is not JsonArray array || array.Count == 0)
        {
            list.Add(Problem(file, "$.runners", "plugin.manifest.runners", "the manifest declares no runners", "add \"runners\": [ { \"tool\": \"name.verb\" } ] listing every tool id the plugin provides"));
            return result;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < array.Count; i++)
        {
            var path = $"$.runners[{i}]";
            if (array[i] is not JsonObject runner)
            {
                list.Add(Problem(file, path, "plugin.manifest.runners", "each runner must be an object", "write { \"tool\": \"name.verb\" }"));
                continue;
            }

            var tool = RequiredString(runner, "tool", file, list, path);
            if (tool is null)
            {
                continue;
            }

            CheckTool(tool, path + ".tool", file, list);
            if (!seen.Add(tool))
            {
                list.Add(Problem(file, path + ".tool", "plugin.manifest.duplicateTool", $"tool '{tool}' is declared twice", "declare each tool id once"));
            }

            result.Add(new PluginRunnerEntry
            {
                Tool = tool,
                Type = OptionalString(runner, "type", file, list, path),
                DisplayName = OptionalString(runner, "displayName", file, list, path),
                Description = OptionalString(runner, "description", file, list, path),
                Credentials = StringList(runner, "credentials", path + ".credentials", file, list, IsEnvName, "an environment variable name"),
            });
        }

        return result;
    }

    private static RunnerPermissions? ReadPermissions(JsonObject obj, string? file, List<ValidationProblem> list)
    {
        var node = obj["permissions"];
        if (node is null)
        {
            return null;
        }

        if (node is not JsonObject permissions)
        {
            list.Add(Problem(file, "$.permissions", "plugin.manifest.permissions", "permissions must be an object", "write { \"network\": [], \"fileSystem\": \"project\", \"subprocess\": false, \"env\": [] }"));
            return null;
        }

        var fileSystem = OptionalString(permissions, "fileSystem", file, list, "$.permissions") ?? "project";
        if (fileSystem is not ("project" or "temp" or "none"))
        {
            list.Add(Problem(file, "$.permissions.fileSystem", "plugin.manifest.permissions", $"'{fileSystem}' is not a file-system reach", "use \"project\", \"temp\" or \"none\""));
        }

        var subprocess = false;
        if (permissions["subprocess"] is { } sub && !(sub is JsonValue v && v.TryGetValue(out subprocess)))
        {
            list.Add(Problem(file, "$.permissions.subprocess", "plugin.manifest.permissions", "subprocess must be true or false", "write true or false"));
        }

        return new RunnerPermissions
        {
            Network = StringList(permissions, "network", "$.permissions.network", file, list, static s => s.Length > 0, "a host name"),
            FileSystem = fileSystem,
            Subprocess = subprocess,
            Environment = StringList(permissions, "env", "$.permissions.env", file, list, IsEnvName, "an environment variable name"),
        };
    }

    private static void CheckTool(string tool, string path, string? file, List<ValidationProblem> list)
    {
        if (!ToolIds.IsValid(tool))
        {
            list.Add(Problem(file, path, "plugin.manifest.tool", $"'{tool}' is not a tool id", $"use {ToolIds.Rule}"));
        }
    }

    private static string? RequiredString(JsonObject obj, string name, string? file, List<ValidationProblem> list, string parent = "$")
    {
        var node = obj[name];
        if (node is null)
        {
            list.Add(Problem(file, $"{parent}.{name}", "plugin.manifest.missing", $"'{name}' is required", $"add \"{name}\" to {FileName}"));
            return null;
        }

        if (node is not JsonValue value || !value.TryGetValue<string>(out var text) || string.IsNullOrWhiteSpace(text))
        {
            list.Add(Problem(file, $"{parent}.{name}", "plugin.manifest.type", $"'{name}' must be a non-empty string", $"write \"{name}\": \"…\""));
            return null;
        }

        return text;
    }

    private static string? OptionalString(JsonObject obj, string name, string? file, List<ValidationProblem> list, string parent = "$")
    {
        var node = obj[name];
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue value && value.TryGetValue<string>(out var text))
        {
            return text;
        }

        list.Add(Problem(file, $"{parent}.{name}", "plugin.manifest.type", $"'{name}' must be a string", $"write \"{name}\": \"…\""));
        return null;
    }

    private static IReadOnlyList<string> StringList(JsonObject obj, string name, string path, string? file, List<ValidationProblem> list, Func<string, bool> isValid, string what)
    {
        var node = obj[name];
        if (node is null)
        {
            return [];
        }

        if (node is not JsonArray array)
        {
            list.Add(Problem(file, path, "plugin.manifest.type", $"'{name}' must be an array of strings", $"write \"{name}\": [\"…\"]"));
            return [];
        }

        var result = new List<string>(array.Count);
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is JsonValue value && value.TryGetValue<string>(out var text) && isValid(text))
            {
                result.Add(text);
            }
            else
            {
                list.Add(Problem(file, $"{path}[{i}]", "plugin.manifest.type", $"item {i} of '{name}' is not {what}", $"write {what} as a string"));
            }
        }

        return result;
    }

    private static bool IsEnvName(string name) => EnvPattern().IsMatch(name);

    private static ValidationProblem Problem(string? file, string path, string code, string message, string fix)
        => new() { File = file, JsonPath = path, Code = code, Message = message, Fix = fix };

    [GeneratedRegex(@"^[A-Za-z0-9_]+(\.[A-Za-z0-9_-]+)+$")]
    private static partial Regex PackageIdPattern();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvPattern();

    [GeneratedRegex(@"(?<![\d.A-Za-z-])v?(\d+)(?=[.\s|]|$|[xX*])")]
    private static partial Regex MajorPattern();
}
