using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace Dhee.Plugins;

/// <summary>
/// The load context of one plugin version. Shared contract and framework assemblies come from the host's default
/// context; everything else resolves from the plugin folder (through its <c>.deps.json</c> when present, else by
/// probing the folder), so two plugins can carry conflicting versions of one dependency.
/// </summary>
internal sealed class PluginLoadContext : AssemblyLoadContext
{
    private readonly string _directory;
    private readonly AssemblyDependencyResolver? _resolver;
    private readonly IReadOnlySet<string> _shared;
    private readonly IReadOnlySet<string> _framework;

    public PluginLoadContext(string name, string entryPath, IReadOnlySet<string> shared, IReadOnlySet<string> framework, bool collectible)
        : base(name, collectible)
    {
        _directory = Path.GetDirectoryName(entryPath)!;
        _shared = shared;
        _framework = framework;
        if (File.Exists(Path.ChangeExtension(entryPath, ".deps.json")))
        {
            try
            {
                _resolver = new AssemblyDependencyResolver(entryPath);
            }
            catch (InvalidOperationException)
            {
                _resolver = null; // an unreadable deps.json: fall back to probing the folder
            }
        }
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var name = assemblyName.Name;
        if (name is null || _shared.Contains(name) || _framework.Contains(name))
        {
            return null; // from the host: one copy of the contract, one runtime
        }

        var path = _resolver?.ResolveAssemblyToPath(assemblyName) ?? Probe(assemblyName);
        return path is null ? null : LoadFromAssemblyPath(path);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var path = _resolver?.ResolveUnmanagedDllToPath(unmanagedDllName) ?? ProbeNative(unmanagedDllName);
        return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
    }

    private string? Probe(AssemblyName assemblyName)
    {
        var file = assemblyName.Name + ".dll";
        var culture = assemblyName.CultureName;
        var candidate = string.IsNullOrEmpty(culture)
            ? Path.Combine(_directory, file)
            : Path.Combine(_directory, culture, file);
        return File.Exists(candidate) ? candidate : null;
    }

    private string? ProbeNative(string name)
    {
        string[] names = OperatingSystem.IsWindows()
            ? [name, name + ".dll"]
            : OperatingSystem.IsMacOS()
                ? [name, "lib" + name + ".dylib", name + ".dylib"]
                : [name, "lib" + name + ".so", name + ".so"];
        foreach (var folder in NativeFolders())
        {
            foreach (var candidate in names)
            {
                var path = Path.Combine(folder, candidate);
                if (File.Exists(path))
                {
                    return path;
                }
            }
        }

        return null;
    }

    private IEnumerable<string> NativeFolders()
    {
        var os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        var arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        yield return Path.Combine(_directory, "runtimes", RuntimeInformation.RuntimeIdentifier, "native");
        yield return Path.Combine(_directory, "runtimes", $"{os}-{arch}", "native");
        yield return Path.Combine(_directory, "runtimes", os, "native");
        yield return _directory;
    }
}
