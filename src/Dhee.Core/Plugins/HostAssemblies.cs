using System.Collections.Frozen;
using System.Reflection;
using System.Runtime.Loader;
using Dhee.Runners;

namespace Dhee.Plugins;

/// <summary>
/// What the host process offers plugins: the shared frameworks it runs on, the framework assemblies, and the
/// contract assemblies (Dhee.Core, the Microsoft.Extensions abstractions it exposes and their reference closure) that
/// every plugin must share with the host so that <see cref="IRunner"/> casts work.
/// </summary>
internal sealed class HostAssemblies
{
    private static readonly Lazy<HostAssemblies> LazyCurrent = new(Create);

    private readonly FrozenDictionary<string, string> _trustedPlatformAssemblies;
    private readonly Dictionary<string, Version?> _versions = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _lock = new();

    private HostAssemblies(FrozenDictionary<string, string> tpa, FrozenSet<string> frameworks, FrozenSet<string> frameworkAssemblies, FrozenSet<string> contract)
    {
        _trustedPlatformAssemblies = tpa;
        Frameworks = frameworks;
        FrameworkAssemblies = frameworkAssemblies;
        ContractAssemblies = contract;
    }

    public static HostAssemblies Current => LazyCurrent.Value;

    /// <summary>Gets the names of the shared frameworks the host runs on, for example <c>Microsoft.NETCore.App</c>.</summary>
    public FrozenSet<string> Frameworks { get; }

    /// <summary>Gets the simple names of the assemblies that come from the host's shared frameworks.</summary>
    public FrozenSet<string> FrameworkAssemblies { get; }

    /// <summary>Gets the simple names of the contract assemblies always taken from the host.</summary>
    public FrozenSet<string> ContractAssemblies { get; }

    /// <summary>Gets the version of an assembly the host's default context has (or would load), or null when it has none.</summary>
    public Version? GetHostVersion(string simpleName)
    {
        lock (_lock)
        {
            if (_versions.TryGetValue(simpleName, out var cached))
            {
                return cached;
            }

            Version? version = null;
            var loaded = AssemblyLoadContext.Default.Assemblies.FirstOrDefault(a => string.Equals(a.GetName().Name, simpleName, StringComparison.OrdinalIgnoreCase));
            if (loaded is not null)
            {
                version = loaded.GetName().Version;
            }
            else if (_trustedPlatformAssemblies.TryGetValue(simpleName, out var path))
            {
                try
                {
                    version = AssemblyName.GetAssemblyName(path).Version;
                }
                catch (Exception ex) when (ex is IOException or BadImageFormatException)
                {
                    version = null;
                }
            }

            _versions[simpleName] = version;
            return version;
        }
    }

    private static HostAssemblies Create()
    {
        var tpa = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var text = AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? string.Empty;
        foreach (var path in text.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            tpa.TryAdd(Path.GetFileNameWithoutExtension(path), path);
        }

        // <dotnet>/shared/<Framework>/<version>/System.Runtime.dll: the folder above the runtime's folders names the frameworks.
        var frameworks = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var frameworkAssemblies = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var coreLib = typeof(object).Assembly.Location;
        var sharedRoot = string.IsNullOrEmpty(coreLib) ? null : Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(coreLib)));
        foreach (var (name, path) in tpa)
        {
            if (sharedRoot is not null && path.StartsWith(sharedRoot + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                frameworkAssemblies.Add(name);
                var relative = path[(sharedRoot.Length + 1)..];
                var separator = relative.IndexOf(Path.DirectorySeparatorChar, StringComparison.Ordinal);
                if (separator > 0)
                {
                    frameworks.Add(relative[..separator]);
                }
            }
        }

        if (frameworks.Count == 0)
        {
            frameworks.Add("Microsoft.NETCore.App");
        }

        // Contract: Dhee.Core plus the Microsoft.Extensions.*.Abstractions it references, with their reference closure.
        var contract = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var core = typeof(IRunner).Assembly;
        contract.Add(core.GetName().Name!);
        var queue = new Queue<AssemblyName>(core.GetReferencedAssemblies().Where(r => IsAbstractions(r.Name)));
        while (queue.Count > 0)
        {
            var name = queue.Dequeue();
            if (name.Name is null || frameworkAssemblies.Contains(name.Name) || !contract.Add(name.Name))
            {
                continue;
            }

            try
            {
                foreach (var reference in AssemblyLoadContext.Default.LoadFromAssemblyName(name).GetReferencedAssemblies())
                {
                    queue.Enqueue(reference);
                }
            }
            catch (Exception ex) when (ex is FileNotFoundException or FileLoadException or BadImageFormatException)
            {
                // Not present in the host: nothing to pin beyond the name itself.
            }
        }

        return new HostAssemblies(tpa.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase), frameworks.ToFrozenSet(StringComparer.OrdinalIgnoreCase),
            frameworkAssemblies.ToFrozenSet(StringComparer.OrdinalIgnoreCase), contract.ToFrozenSet(StringComparer.OrdinalIgnoreCase));
    }

    private static bool IsAbstractions(string? name)
        => name is not null && name.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal) && name.EndsWith(".Abstractions", StringComparison.Ordinal);
}
