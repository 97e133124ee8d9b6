using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dhee.Plugins;

/// <summary>
/// Checks a plugin against the host before any of its code loads, reading only metadata and its runtimeconfig, so that
/// incompatibilities surface as clear messages instead of InvalidCastException or TypeLoadException later.
/// </summary>
internal static class PluginCompatibility
{
    /// <summary>Returns the errors that keep the plugin from loading, and adds warnings worth showing.</summary>
    public static IReadOnlyList<string> Check(InstalledPlugin plugin, string entryPath, HostAssemblies host, IReadOnlySet<string> shared, IReadOnlySet<string> hostFrameworks, List<string> warnings)
    {
        var errors = new List<string>();
        var label = $"{plugin.Id} {plugin.Version}";
        CheckFrameworks(label, entryPath, hostFrameworks, errors);

        foreach (var own in Directory.EnumerateFiles(plugin.Directory, "*.dll"))
        {
            var name = Path.GetFileNameWithoutExtension(own);
            if (shared.Contains(name))
            {
                warnings.Add($"{label} ships its own {name}.dll ({own}); the host's copy is used instead. Plugin authors: reference {name} with Private=\"false\" and ExcludeAssets=\"runtime\".");
            }
        }

        var files = new List<string> { entryPath };
        files.AddRange(Directory.EnumerateFiles(plugin.Directory, "*.dll")
            .Where(f => !string.Equals(Path.GetFullPath(f), entryPath, StringComparison.Ordinal) && !shared.Contains(Path.GetFileNameWithoutExtension(f))));

        foreach (var file in files)
        {
            var isEntry = ReferenceEquals(file, entryPath);
            foreach (var (name, version) in ReadReferences(file, isEntry, label, errors))
            {
                var isShared = shared.Contains(name);
                if (!isShared && !host.FrameworkAssemblies.Contains(name))
                {
                    continue;
                }

                var hostVersion = host.GetHostVersion(name);
                if (hostVersion is null || version <= hostVersion)
                {
                    continue;
                }

                var from = Path.GetFileName(file);
                if (string.Equals(name, "Dhee.Core", StringComparison.OrdinalIgnoreCase))
                {
                    errors.Add($"{label} was built against Dhee.Core {Format(version)} ({from}): it requires engine {Format(version)} or newer, this is {Format(hostVersion)}. "
                        + "Install a version of the plugin built for this engine, or upgrade Dhee.");
                }
                else if (isShared)
                {
                    errors.Add($"{label} was built against {name} {Format(version)} ({from}), newer than the host's {Format(hostVersion)}: it requires a host built with {name} {Format(version)} or newer. "
                        + "Install a version of the plugin built for this engine, or upgrade the host.");
                }
                else
                {
                    errors.Add($"{label} was built for a newer .NET ({from} references {name} {Format(version)}; this host has {Format(hostVersion)}). "
                        + "Run it in a host on that .NET version, or install a version of the plugin built for this one.");
                }
            }
        }

        return errors;
    }

    private static void CheckFrameworks(string label, string entryPath, IReadOnlySet<string> hostFrameworks, List<string> errors)
    {
        var config = Path.ChangeExtension(entryPath, ".runtimeconfig.json");
        if (!File.Exists(config))
        {
            return;
        }

        JsonNode? options;
        try
        {
            options = JsonNode.Parse(File.ReadAllText(config))?["runtimeOptions"];
        }
        catch (Exception ex) when (ex is JsonException or IOException)
        {
            return; // informational only: the reference check still runs
        }

        var names = new List<string>();
        if (options?["framework"]?["name"] is JsonValue single && single.TryGetValue<string>(out var one))
        {
            names.Add(one);
        }

        if (options?["frameworks"] is JsonArray many)
        {
            names.AddRange(many.Select(f => f?["name"] is JsonValue v && v.TryGetValue<string>(out var n) ? n : null).OfType<string>());
        }

        foreach (var framework in names.Where(n => !hostFrameworks.Contains(n)))
        {
            errors.Add($"{label} needs the shared framework '{framework}' ({Path.GetFileName(config)}), which this host does not run on (it has {string.Join(", ", hostFrameworks.Order(StringComparer.Ordinal))}). "
                + $"Load it from a host that references '{framework}' (for example <FrameworkReference Include=\"{framework}\" />), or use a plugin that does not need it.");
        }
    }

    private static List<(string Name, Version Version)> ReadReferences(string file, bool isEntry, string label, List<string> errors)
    {
        var result = new List<(string, Version)>();
        try
        {
            using var stream = File.OpenRead(file);
            using var pe = new PEReader(stream);
            if (!pe.HasMetadata)
            {
                if (isEntry)
                {
                    errors.Add($"{label}: the entry '{Path.GetFileName(file)}' is not a .NET assembly; check \"entry\" in {PluginManifest.FileName} and reinstall the package.");
                }

                return result;
            }

            var reader = pe.GetMetadataReader();
            foreach (var handle in reader.AssemblyReferences)
            {
                var reference = reader.GetAssemblyReference(handle);
                result.Add((reader.GetString(reference.Name), reference.Version));
            }
        }
        catch (Exception ex) when (ex is BadImageFormatException or IOException or InvalidOperationException)
        {
            if (isEntry)
            {
                errors.Add($"{label}: the entry '{Path.GetFileName(file)}' is not a .NET assembly ({ex.Message}); check \"entry\" in {PluginManifest.FileName} and reinstall the package.");
            }
        }

        return result;
    }

    private static string Format(Version version)
        => version.Revision > 0 ? version.ToString() : version.ToString(3);
}
