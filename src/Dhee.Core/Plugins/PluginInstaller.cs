using System.IO.Compression;
using System.Xml.Linq;
using Dhee.Errors;
using Dhee.Utils;
using Dhee.Validation;
using NuGet.Versioning;

namespace Dhee.Plugins;

/// <summary>
/// Installs, lists and removes runner plugin packages in the first runner root: a <c>Dhee.Runner.*.nupkg</c> (or a
/// folder holding the package content) is validated, extracted safely into a temporary folder and then renamed to
/// <c>&lt;root&gt;/&lt;id&gt;/&lt;version&gt;</c>, so a crash never leaves a half-installed package that discovery would use.
/// </summary>
public sealed class PluginInstaller
{
    private const int MaxEntries = 10_000;
    private const long MaxExtractedBytes = 2L * 1024 * 1024 * 1024;

    /// <summary>Initializes a new instance of the <see cref="PluginInstaller"/> class.</summary>
    /// <param name="options">The runner roots (packages are installed into the first); null for the defaults.</param>
    public PluginInstaller(RunnerPluginOptions? options = null)
    {
        Options = options ?? new RunnerPluginOptions();
    }

    /// <summary>Gets the options the installer was created with.</summary>
    public RunnerPluginOptions Options { get; }

    /// <summary>Gets the root new packages are installed into: the first of <see cref="RunnerPluginOptions.GetRoots"/>.</summary>
    /// <exception cref="DheeConfigurationException">No runner root is configured.</exception>
    public string InstallRoot => Options.GetRoots().FirstOrDefault()
        ?? throw new DheeConfigurationException("No runner root is configured: set RunnerPluginOptions.RunnerRoots or DHEE_RUNNERS_DIR, or keep IncludeDefaultRoots on.");

    /// <summary>Installs a plugin package from a <c>.nupkg</c> file or a folder holding <c>runner.json</c> and the plugin's files.</summary>
    /// <param name="path">The package file or folder.</param>
    /// <param name="replaceExisting">True to replace an installed package with the same id and version.</param>
    /// <returns>The installed plugin.</returns>
    /// <exception cref="DheeValidationException">The package is invalid or unsafe (every problem is listed) or already installed.</exception>
    /// <exception cref="FileNotFoundException">The path does not exist.</exception>
    public PluginInstallResult Install(string path, bool replaceExisting = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        var root = InstallRoot;
        Directory.CreateDirectory(root);
        var staging = Path.Combine(root, $".install-{Guid.NewGuid():N}.tmp");
        try
        {
            if (Directory.Exists(full))
            {
                CopyFolder(full, staging);
            }
            else if (File.Exists(full))
            {
                ExtractPackage(full, staging);
            }
            else
            {
                throw new FileNotFoundException($"No plugin package or folder at '{full}'.", full);
            }

            var manifestFile = Path.Combine(staging, PluginManifest.FileName);
            if (!PluginManifest.TryLoad(manifestFile, out var manifest, out var problems))
            {
                throw new DheeValidationException($"plugin package '{full}' has an invalid {PluginManifest.FileName}", [.. problems.Select(p => p with { File = $"{full}!{PluginManifest.FileName}" })]);
            }

            if (!SafePath.TryResolve(staging, manifest.Entry, out var entry, out _) || !File.Exists(entry))
            {
                throw Invalid(full, "plugin.install.entry", $"the entry assembly '{manifest.Entry}' named by {PluginManifest.FileName} is not in the package", "pack the plugin's publish output together with runner.json", "$.entry");
            }

            var packageDir = Path.Combine(root, manifest.Id);
            var target = Path.Combine(packageDir, manifest.Version.ToNormalizedString());
            Directory.CreateDirectory(packageDir);
            var replaced = false;
            if (Directory.Exists(target))
            {
                if (!replaceExisting)
                {
                    throw Invalid(full, "plugin.install.exists", $"{manifest.Id} {manifest.Version} is already installed in '{target}'", "remove it first ('dhee plugins remove') or install with --force");
                }

                var old = Path.Combine(packageDir, $".{manifest.Version.ToNormalizedString()}.{Guid.NewGuid():N}.old");
                Directory.Move(target, old);
                Directory.Move(staging, target);
                TryDeleteDirectory(old);
                replaced = true;
            }
            else
            {
                Directory.Move(staging, target);
            }

            var engine = Options.ResolvedEngineVersion;
            var list = new List<ValidationProblem>();
            var plugin = PluginCatalog.Read(manifest.Id, manifest.Version.ToNormalizedString(), target, root, engine, Options, list)
                ?? throw new DheeValidationException($"plugin package '{full}' installed into '{target}' but cannot be read back", list);
            return new PluginInstallResult(plugin, replaced);
        }
        finally
        {
            TryDeleteDirectory(staging);
        }
    }

    /// <summary>Lists the installed plugins from their manifests only (tool ids, versions, engine compatibility, missing credentials).</summary>
    /// <returns>The catalog of every root.</returns>
    public PluginCatalog List() => PluginCatalog.Discover(Options);

    /// <summary>Removes an installed plugin package from every runner root.</summary>
    /// <param name="id">The package id, for example <c>Dhee.Runner.Sample</c>.</param>
    /// <param name="version">The version to remove, or null for every installed version.</param>
    /// <returns>The folders that were removed; empty when nothing matched.</returns>
    public IReadOnlyList<string> Remove(string id, string? version = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        if (!PluginManifest.IsValidPackageId(id))
        {
            throw new ArgumentException($"'{id}' is not a plugin package id; ids look like '{PluginManifest.PackagePrefix}<Name>'.", nameof(id));
        }

        SemanticVersion? wanted = null;
        if (version is not null && !SemanticVersion.TryParse(version, out wanted))
        {
            throw new ArgumentException($"'{version}' is not a semantic version.", nameof(version));
        }

        var removed = new List<string>();
        foreach (var root in Options.GetRoots().Where(Directory.Exists))
        {
            var packageDir = Directory.GetDirectories(root).FirstOrDefault(d => string.Equals(Path.GetFileName(d), id, StringComparison.OrdinalIgnoreCase));
            if (packageDir is null)
            {
                continue;
            }

            foreach (var versionDir in Directory.GetDirectories(packageDir))
            {
                var name = Path.GetFileName(versionDir);
                if (name.StartsWith('.') || (wanted is not null && !(SemanticVersion.TryParse(name, out var v) && VersionComparer.Default.Equals(v, wanted))))
                {
                    continue;
                }

                // Rename first so discovery never sees a half-deleted package, then delete.
                var doomed = Path.Combine(packageDir, $".{name}.{Guid.NewGuid():N}.removing");
                Directory.Move(versionDir, doomed);
                TryDeleteDirectory(doomed);
                removed.Add(versionDir);
            }

            if (!Directory.EnumerateFileSystemEntries(packageDir).Any())
            {
                TryDeleteDirectory(packageDir);
            }
        }

        return removed;
    }

    private static void ExtractPackage(string file, string staging)
    {
        using var zip = OpenZip(file);
        var nuspec = zip.Entries.Where(e => !e.FullName.Contains('/', StringComparison.Ordinal) && e.FullName.EndsWith(".nuspec", StringComparison.OrdinalIgnoreCase)).ToList();
        if (nuspec.Count != 1)
        {
            throw Invalid(file, "plugin.install.nuspec", nuspec.Count == 0 ? "the package has no .nuspec at its root" : "the package has several .nuspec files at its root", "pack the plugin with 'dotnet pack'");
        }

        var (id, version) = ReadNuspec(file, nuspec[0]);

        // The plugin content is the folder holding runner.json: the package root or tools/<tfm>/any/ (dotnet tool layout).
        var manifests = zip.Entries.Where(e => e.FullName == PluginManifest.FileName || e.FullName.EndsWith("/" + PluginManifest.FileName, StringComparison.Ordinal))
            .OrderBy(e => e.FullName.Count(c => c == '/')).ToList();
        if (manifests.Count == 0)
        {
            throw Invalid(file, "plugin.install.noManifest", $"the package has no {PluginManifest.FileName}", $"include {PluginManifest.FileName} next to the plugin assembly (in the package root or tools/<tfm>/any/)");
        }

        var prefix = manifests[0].FullName[..^PluginManifest.FileName.Length];
        var problems = new List<ValidationProblem>();
        if (zip.Entries.Count > MaxEntries)
        {
            problems.Add(Problem(file, "plugin.install.tooLarge", $"the package has {zip.Entries.Count} entries (limit {MaxEntries})", "ship only the plugin's publish output"));
        }

        long total = 0;
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var planned = new List<(ZipArchiveEntry Entry, string? Target)>();
        foreach (var entry in zip.Entries)
        {
            var name = entry.FullName;
            var unixMode = (entry.ExternalAttributes >> 16) & 0xF000;
            var unsafeReason = name.Contains('\\', StringComparison.Ordinal) ? "uses '\\' in its path"
                : SafePath.Check(name) is { } reason ? reason
                : unixMode == 0xA000 ? "is a symbolic link"
                : null;
            if (unsafeReason is not null)
            {
                problems.Add(Problem(file, "plugin.install.unsafeEntry", $"entry '{name}' {unsafeReason}; the package is refused", "rebuild the package with 'dotnet pack'; never install packages crafted to write outside their folder"));
                continue;
            }

            if (!name.StartsWith(prefix, StringComparison.Ordinal) || name.Length == prefix.Length || name.EndsWith('/'))
            {
                continue; // package metadata (nuspec, _rels, [Content_Types].xml) or a folder entry
            }

            if (!names.Add(name))
            {
                problems.Add(Problem(file, "plugin.install.duplicateEntry", $"entry '{name}' appears more than once", "rebuild the package with 'dotnet pack'"));
                continue;
            }

            total += entry.Length;
            planned.Add((entry, SafePath.TryResolve(staging, name[prefix.Length..], out var target, out _) ? target : null));
        }

        if (total > MaxExtractedBytes)
        {
            problems.Add(Problem(file, "plugin.install.tooLarge", $"the package expands to {total} bytes (limit {MaxExtractedBytes})", "ship only the plugin's publish output"));
        }

        if (problems.Count > 0)
        {
            throw new DheeValidationException($"plugin package '{file}' is unsafe", problems);
        }

        Directory.CreateDirectory(staging);
        foreach (var (entry, target) in planned)
        {
            if (target is null)
            {
                throw Invalid(file, "plugin.install.unsafeEntry", $"entry '{entry.FullName}' resolves outside the install folder", "rebuild the package with 'dotnet pack'");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            entry.ExtractToFile(target, overwrite: false);
        }

        var manifestFile = Path.Combine(staging, PluginManifest.FileName);
        if (PluginManifest.TryLoad(manifestFile, out var manifest, out _))
        {
            if (!string.Equals(manifest.Id, id, StringComparison.OrdinalIgnoreCase))
            {
                throw Invalid(file, "plugin.install.idMismatch", $"the nuspec id '{id}' differs from runner.json's id '{manifest.Id}'", "make runner.json's \"id\" the package id", "$.id");
            }

            if (!VersionComparer.Default.Equals(manifest.Version, version))
            {
                throw Invalid(file, "plugin.install.versionMismatch", $"the nuspec version '{version}' differs from runner.json's version '{manifest.Version}'", "make runner.json's \"version\" the package version (generate it at pack time)", "$.version");
            }
        }
    }

    private static ZipArchive OpenZip(string file)
    {
        try
        {
            return ZipFile.OpenRead(file);
        }
        catch (InvalidDataException ex)
        {
            throw Invalid(file, "plugin.install.notZip", $"the file is not a .nupkg (zip) archive: {ex.Message}", "pass a .nupkg made by 'dotnet pack', or a folder");
        }
    }

    private static (string Id, SemanticVersion Version) ReadNuspec(string file, ZipArchiveEntry entry)
    {
        XDocument doc;
        try
        {
            using var stream = entry.Open();
            doc = XDocument.Load(stream);
        }
        catch (System.Xml.XmlException ex)
        {
            throw Invalid(file, "plugin.install.nuspec", $"'{entry.FullName}' is not valid XML: {ex.Message}", "pack the plugin with 'dotnet pack'");
        }

        var metadata = doc.Root?.Elements().FirstOrDefault(e => e.Name.LocalName == "metadata");
        var id = metadata?.Elements().FirstOrDefault(e => e.Name.LocalName == "id")?.Value.Trim();
        var versionText = metadata?.Elements().FirstOrDefault(e => e.Name.LocalName == "version")?.Value.Trim();
        if (string.IsNullOrEmpty(id) || !PluginManifest.IsValidPackageId(id))
        {
            throw Invalid(file, "plugin.install.id", $"the package id '{id}' does not start with '{PluginManifest.PackagePrefix}'", $"name runner plugin packages '{PluginManifest.PackagePrefix}<Name>'");
        }

        if (versionText is null || !SemanticVersion.TryParse(versionText, out var version))
        {
            throw Invalid(file, "plugin.install.version", $"the package version '{versionText}' is not a semantic version", "use MAJOR.MINOR.PATCH");
        }

        return (id, version);
    }

    private static void CopyFolder(string source, string staging)
    {
        var problems = new List<ValidationProblem>();
        var files = new List<(string From, string To)>();
        foreach (var path in Directory.EnumerateFileSystemEntries(source, "*", SearchOption.AllDirectories))
        {
            var info = new FileInfo(path);
            if (info.LinkTarget is not null || new DirectoryInfo(path).LinkTarget is not null)
            {
                problems.Add(Problem(source, "plugin.install.unsafeEntry", $"'{Path.GetRelativePath(source, path)}' is a link; the folder is refused", "copy real files into the plugin folder"));
            }
            else if (File.Exists(path))
            {
                files.Add((path, Path.Combine(staging, Path.GetRelativePath(source, path))));
            }
        }

        if (problems.Count > 0)
        {
            throw new DheeValidationException($"plugin folder '{source}' is unsafe", problems);
        }

        Directory.CreateDirectory(staging);
        foreach (var (from, to) in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(from, to);
        }
    }

    private static ValidationProblem Problem(string file, string code, string message, string fix, string? jsonPath = null)
        => new() { File = file, JsonPath = jsonPath, Code = code, Message = message, Fix = fix };

    private static DheeValidationException Invalid(string file, string code, string message, string fix, string? jsonPath = null)
        => new($"plugin package '{file}' cannot be installed", [Problem(file, code, message, fix, jsonPath)]);

    private static void TryDeleteDirectory(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for a later clean-up; names starting with '.' are ignored by discovery.
        }
    }
}
