using System.Diagnostics.CodeAnalysis;
using Dhee.Validation;
using Dhee.Versioning;
using NuGet.Versioning;

namespace Dhee.Plugins;

/// <summary>
/// The plugin packages installed in the runner roots, read from their <c>runner.json</c> manifests only: discovering
/// plugins never loads their code.
/// </summary>
/// <remarks>
/// A root holds <c>Dhee.Runner.&lt;Name&gt;/&lt;version&gt;/runner.json</c>. Folders without the <c>Dhee.Runner.</c>
/// prefix, hidden folders and installer temp folders (names starting with <c>.</c>) are ignored. Invalid manifests
/// and mismatched folders are reported in <see cref="Problems"/> and skipped; the other packages are still listed.
/// </remarks>
public sealed class PluginCatalog
{
    private PluginCatalog(IReadOnlyList<InstalledPlugin> plugins, IReadOnlyList<ValidationProblem> problems, IReadOnlyList<string> roots, SemanticVersion engine)
    {
        Plugins = plugins;
        Problems = problems;
        Roots = roots;
        EngineVersion = engine;
    }

    /// <summary>Gets every valid installed package version, ordered by id, then highest version first.</summary>
    public IReadOnlyList<InstalledPlugin> Plugins { get; }

    /// <summary>Gets the problems found in manifests and folders; the packages they concern are left out of <see cref="Plugins"/>.</summary>
    public IReadOnlyList<ValidationProblem> Problems { get; }

    /// <summary>Gets the roots that were scanned, highest precedence first.</summary>
    public IReadOnlyList<string> Roots { get; }

    /// <summary>Gets the engine version the plugins were checked against.</summary>
    public SemanticVersion EngineVersion { get; }

    /// <summary>Reads the manifests of every plugin installed in the configured roots.</summary>
    /// <param name="options">Roots, engine version and environment; null for the defaults.</param>
    /// <returns>The catalog.</returns>
    public static PluginCatalog Discover(RunnerPluginOptions? options = null)
    {
        options ??= new RunnerPluginOptions();
        var engine = options.ResolvedEngineVersion;
        var roots = options.GetRoots();
        var plugins = new List<InstalledPlugin>();
        var problems = new List<ValidationProblem>();
        var seen = new HashSet<(string, SemanticVersion)>();

        foreach (var root in roots)
        {
            if (!System.IO.Directory.Exists(root))
            {
                continue;
            }

            foreach (var packageDir in SafeEnumerate(root))
            {
                var packageName = Path.GetFileName(packageDir);
                if (!packageName.StartsWith(PluginManifest.PackagePrefix, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                foreach (var versionDir in SafeEnumerate(packageDir))
                {
                    var versionName = Path.GetFileName(versionDir);
                    if (versionName.StartsWith('.'))
                    {
                        continue; // an installer temp folder, or hidden
                    }

                    var plugin = Read(packageName, versionName, versionDir, root, engine, options, problems);
                    if (plugin is not null && seen.Add((plugin.Id.ToUpperInvariant(), plugin.Version)))
                    {
                        plugins.Add(plugin);
                    }
                }
            }
        }

        var ordered = plugins
            .OrderBy(p => p.Id, StringComparer.OrdinalIgnoreCase)
            .ThenByDescending(p => p.Version, VersionComparer.Default)
            .ToList();
        return new PluginCatalog(ordered, problems, roots, engine);
    }

    /// <summary>Picks, per package id, the highest installed version whose engine range accepts this engine.</summary>
    /// <returns>One plugin per package id that has a compatible version.</returns>
    public IReadOnlyList<InstalledPlugin> SelectLatestCompatible()
        => [.. Plugins.Where(p => p.IsEngineCompatible).GroupBy(p => p.Id, StringComparer.OrdinalIgnoreCase).Select(g => g.First())];

    /// <summary>
    /// Finds the plugin to load for <paramref name="tool"/>: the highest installed version that declares the tool,
    /// accepts this engine and satisfies <paramref name="range"/>.
    /// </summary>
    /// <param name="tool">The tool id.</param>
    /// <param name="range">The npm-style range the bundle requires, or null for any version.</param>
    /// <param name="plugin">The chosen plugin, when one fits.</param>
    /// <param name="error">Why none fits, when none does: not installed, or every installed version is excluded (each named).</param>
    /// <returns>True when a plugin fits.</returns>
    public bool TryFind(string tool, string? range, [NotNullWhen(true)] out InstalledPlugin? plugin, [NotNullWhen(false)] out string? error)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tool);
        plugin = null;
        NpmVersionRange? wanted = null;
        if (range is not null && !NpmVersionRange.TryParse(range, out wanted, out var rangeError))
        {
            error = $"the range '{range}' required for '{tool}' is invalid: {rangeError}";
            return false;
        }

        var candidates = Plugins.Where(p => p.Tools.Contains(tool, StringComparer.Ordinal)).ToList();
        if (candidates.Count == 0)
        {
            error = $"no installed plugin provides '{tool}' (roots: {string.Join(", ", Roots)}); install one with 'dhee plugins install <Dhee.Runner.Name.nupkg>'";
            return false;
        }

        var reasons = new List<string>();
        foreach (var candidate in candidates.OrderByDescending(p => p.Version, VersionComparer.Default))
        {
            if (!candidate.IsEngineCompatible)
            {
                reasons.Add(candidate.EngineProblem!);
            }
            else if (wanted is not null && !wanted.IsSatisfiedBy(candidate.Version))
            {
                reasons.Add($"{candidate.Id} {candidate.Version} does not satisfy the required range '{range}'");
            }
            else
            {
                plugin = candidate;
                error = null;
                return true;
            }
        }

        error = $"no installed version of '{tool}' fits: {string.Join("; ", reasons)}";
        return false;
    }

    internal static string? CheckEngine(PluginManifest manifest, SemanticVersion engine)
    {
        // Prerelease engines (0.2.0-preview.1) must still match ranges such as ">=0.1.0 <1.0.0": include prereleases.
        if (!NpmVersionRange.TryParse(manifest.EngineCompat, out var range, out var error))
        {
            return $"{manifest.Id} {manifest.Version} has an invalid engineCompat '{manifest.EngineCompat}': {error}";
        }

        return range.IsSatisfiedBy(engine, includePrerelease: true)
            ? null
            : $"{manifest.Id} {manifest.Version} requires engine {manifest.EngineCompat}, this is {engine.ToNormalizedString()}";
    }

    internal static IReadOnlyList<string> FindMissingCredentials(PluginManifest manifest, RunnerPluginOptions options)
        => [.. manifest.Credentials.Concat(manifest.Runners.SelectMany(r => r.Credentials))
            .Distinct(StringComparer.Ordinal)
            .Where(name => string.IsNullOrWhiteSpace(options.GetEnvironmentVariable(name)))];

    internal static InstalledPlugin? Read(string packageName, string versionName, string versionDir, string root, SemanticVersion engine, RunnerPluginOptions options, List<ValidationProblem> problems)
    {
        var file = Path.Combine(versionDir, PluginManifest.FileName);
        if (!File.Exists(file))
        {
            problems.Add(new ValidationProblem
            {
                File = file,
                Code = "plugin.folder.noManifest",
                Message = $"package folder '{versionDir}' has no {PluginManifest.FileName}",
                Fix = "reinstall the package with 'dhee plugins install', or delete the folder",
            });
            return null;
        }

        if (!PluginManifest.TryLoad(file, out var manifest, out var manifestProblems))
        {
            problems.AddRange(manifestProblems);
            return null;
        }

        var before = problems.Count;
        if (!string.Equals(manifest.Id, packageName, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add(new ValidationProblem
            {
                File = file,
                JsonPath = "$.id",
                Code = "plugin.folder.idMismatch",
                Message = $"id '{manifest.Id}' does not match the package folder '{packageName}'",
                Fix = $"install the package into '{manifest.Id}/{manifest.Version}', or fix \"id\"",
            });
        }

        if (!SemanticVersion.TryParse(versionName, out var folderVersion) || !VersionComparer.Default.Equals(folderVersion, manifest.Version))
        {
            problems.Add(new ValidationProblem
            {
                File = file,
                JsonPath = "$.version",
                Code = "plugin.folder.versionMismatch",
                Message = $"version '{manifest.Version}' does not match the version folder '{versionName}'",
                Fix = $"install the package into '{packageName}/{manifest.Version}', or fix \"version\"",
            });
        }

        if (problems.Count > before)
        {
            return null;
        }

        return new InstalledPlugin
        {
            Manifest = manifest,
            Directory = Path.GetFullPath(versionDir),
            Root = root,
            EngineProblem = CheckEngine(manifest, engine),
            MissingCredentials = FindMissingCredentials(manifest, options),
        };
    }

    private static IEnumerable<string> SafeEnumerate(string dir)
    {
        try
        {
            return System.IO.Directory.GetDirectories(dir);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
