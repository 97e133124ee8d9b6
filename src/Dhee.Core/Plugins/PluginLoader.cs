using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using Dhee.Bundles;
using Dhee.Diagnostics;
using Dhee.Errors;
using Dhee.Registry;
using Dhee.Runners;
using Dhee.Utils;

namespace Dhee.Plugins;

/// <summary>
/// Loads runner plugins into isolated load contexts (one per plugin version) and registers their runners.
/// </summary>
/// <remarks>
/// Dhee.Core, the Microsoft.Extensions abstractions it exposes (with their reference closure) and the framework come
/// from the host, so plugin runners cast to <see cref="IRunner"/>; every other dependency is private to the plugin.
/// Discovery reads manifests only; code is loaded for the runners a bundle needs (<see cref="LoadForBundle"/>) or
/// for every installed plugin (<see cref="LoadAll"/>). One broken plugin never stops the others: failures are
/// returned in <see cref="PluginLoadResult.Failures"/>. The loader is thread-safe; concurrent loads of one plugin make
/// one context.
/// </remarks>
public sealed class PluginLoader : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<LoadedPlugin>> _loaded = new(StringComparer.Ordinal);
    private bool _disposed;

    /// <summary>Initializes a new instance of the <see cref="PluginLoader"/> class.</summary>
    /// <param name="options">Roots, engine version and loading options; null for the defaults.</param>
    public PluginLoader(RunnerPluginOptions? options = null)
    {
        Options = options ?? new RunnerPluginOptions();
    }

    /// <summary>Gets the options the loader was created with.</summary>
    public RunnerPluginOptions Options { get; }

    /// <summary>Overrides the shared frameworks the host is considered to run on (tests).</summary>
    internal IReadOnlySet<string>? HostFrameworksOverride { get; set; }

    /// <summary>Reads the manifests of every installed plugin; loads no plugin code.</summary>
    /// <returns>The catalog of installed plugins and the problems found.</returns>
    /// <exception cref="ObjectDisposedException">The loader is disposed.</exception>
    public PluginCatalog Discover()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return PluginCatalog.Discover(Options);
    }

    /// <summary>Loads a plugin's code and creates its runners; loading the same plugin again returns the same instance.</summary>
    /// <param name="plugin">An installed plugin from <see cref="Discover"/>.</param>
    /// <returns>The loaded plugin.</returns>
    /// <exception cref="PluginLoadException">The plugin is incompatible with this host or engine, or its code does not match its manifest.</exception>
    /// <exception cref="ObjectDisposedException">The loader is disposed.</exception>
    public LoadedPlugin Load(InstalledPlugin plugin)
    {
        ArgumentNullException.ThrowIfNull(plugin);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var lazy = _loaded.GetOrAdd(plugin.Directory, _ => new Lazy<LoadedPlugin>(() => LoadTraced(plugin), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch
        {
            // Let a later call try again (for example after the plugin was reinstalled).
            _loaded.TryRemove(new KeyValuePair<string, Lazy<LoadedPlugin>>(plugin.Directory, lazy));
            throw;
        }
    }

    /// <summary>Loads the highest compatible version of every installed plugin and registers all their runners.</summary>
    /// <param name="registry">The registry to add runners to.</param>
    /// <param name="catalog">A catalog from <see cref="Discover"/>, or null to discover now.</param>
    /// <returns>What was registered and what failed.</returns>
    /// <exception cref="ObjectDisposedException">The loader is disposed.</exception>
    public PluginLoadResult LoadAll(RunnerRegistry registry, PluginCatalog? catalog = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        catalog ??= Discover();
        var failures = CatalogFailures(catalog);
        var warnings = new List<string>();
        var registered = new List<LoadedRunner>();
        foreach (var plugin in catalog.Plugins.GroupBy(p => p.Id, StringComparer.OrdinalIgnoreCase).Select(g => g.ToList()))
        {
            var chosen = plugin.FirstOrDefault(p => p.IsEngineCompatible);
            if (chosen is null)
            {
                failures.Add(new PluginLoadFailure(plugin[0].Directory, null, plugin[0].EngineProblem!));
                continue;
            }

            LoadAndRegister(registry, chosen, null, registered, failures, warnings);
        }

        return new PluginLoadResult(registered, failures, warnings);
    }

    /// <summary>
    /// Loads only the plugins that provide the tools <paramref name="bundle"/> uses and that are not registered yet,
    /// choosing for each tool the highest installed version that satisfies the bundle's range and this engine.
    /// </summary>
    /// <param name="registry">The registry to add runners to.</param>
    /// <param name="bundle">The bundle about to run.</param>
    /// <param name="catalog">A catalog from <see cref="Discover"/>, or null to discover now.</param>
    /// <returns>What was registered and what failed.</returns>
    /// <exception cref="ObjectDisposedException">The loader is disposed.</exception>
    public PluginLoadResult LoadForBundle(RunnerRegistry registry, Bundle bundle, PluginCatalog? catalog = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(bundle);
        var tools = bundle.Nodes.Select(n => n.Runner.Tool).Concat(bundle.Dependencies.Runners.Keys).Distinct(StringComparer.Ordinal);
        return LoadTools(registry, tools.Select(t => (t, bundle.Dependencies.Runners.GetValueOrDefault(t))), catalog);
    }

    /// <summary>Loads the plugins providing <paramref name="tools"/> that are not registered yet.</summary>
    /// <param name="registry">The registry to add runners to.</param>
    /// <param name="tools">Tool ids with the npm-style version range required of each (null for any).</param>
    /// <param name="catalog">A catalog from <see cref="Discover"/>, or null to discover now.</param>
    /// <returns>What was registered and what failed.</returns>
    /// <exception cref="ObjectDisposedException">The loader is disposed.</exception>
    public PluginLoadResult LoadTools(RunnerRegistry registry, IEnumerable<(string Tool, string? Range)> tools, PluginCatalog? catalog = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(tools);
        catalog ??= Discover();
        var failures = new List<PluginLoadFailure>();
        var warnings = new List<string>();
        var registered = new List<LoadedRunner>();
        var wanted = new Dictionary<InstalledPlugin, HashSet<string>>();
        var missing = new List<string>();
        foreach (var (tool, range) in tools)
        {
            if (registry.TryGet(tool, out _))
            {
                continue;
            }

            if (!catalog.Plugins.Any(p => p.Tools.Contains(tool, StringComparer.Ordinal)))
            {
                missing.Add(tool);
                continue;
            }

            if (!catalog.TryFind(tool, range, out var plugin, out var error))
            {
                failures.Add(new PluginLoadFailure(string.Join(", ", catalog.Roots), tool, error));
                continue;
            }

            if (!wanted.TryGetValue(plugin, out var set))
            {
                wanted[plugin] = set = new HashSet<string>(StringComparer.Ordinal);
            }

            set.Add(tool);
        }

        if (failures.Count > 0 || missing.Count > 0)
        {
            failures.AddRange(CatalogFailures(catalog)); // broken manifests may explain a missing tool
        }

        foreach (var (plugin, set) in wanted)
        {
            LoadAndRegister(registry, plugin, set, registered, failures, warnings);
        }

        return new PluginLoadResult(registered, failures, warnings, missing);
    }

    /// <summary>
    /// Forgets a loaded plugin and starts unloading its collectible context. Unloading completes once nothing holds
    /// its runners any more (remove them from registries first).
    /// </summary>
    /// <param name="plugin">The plugin to unload.</param>
    /// <returns>True when the plugin was loaded in a collectible context and is now unloading.</returns>
    /// <exception cref="ObjectDisposedException">The loader is disposed.</exception>
    public bool Unload(InstalledPlugin plugin)
    {
        ArgumentNullException.ThrowIfNull(plugin);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_loaded.TryGetValue(plugin.Directory, out var lazy) || !lazy.IsValueCreated || !lazy.Value.IsCollectible)
        {
            return false;
        }

        _loaded.TryRemove(plugin.Directory, out _);
        lazy.Value.Context.Unload();
        return true;
    }

    /// <summary>Unloads every collectible plugin context and forgets all loaded plugins.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var lazy in _loaded.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCollectible)
            {
                lazy.Value.Context.Unload();
            }
        }

        _loaded.Clear();
    }

    private static List<PluginLoadFailure> CatalogFailures(PluginCatalog catalog)
        => [.. catalog.Problems.Select(p => new PluginLoadFailure(p.File ?? string.Join(", ", catalog.Roots), null, p.ToString()))];

    private void LoadAndRegister(RunnerRegistry registry, InstalledPlugin plugin, HashSet<string>? only, List<LoadedRunner> registered, List<PluginLoadFailure> failures, List<string> warnings)
    {
        LoadedPlugin loaded;
        try
        {
            loaded = Load(plugin);
        }
        catch (PluginLoadException ex)
        {
            failures.Add(new PluginLoadFailure(plugin.Directory, null, ex.Message));
            return;
        }

        warnings.AddRange(loaded.Warnings);
        foreach (var runner in loaded.Runners)
        {
            var tool = runner.Manifest.Tool;
            if (only is not null && !only.Contains(tool))
            {
                continue;
            }

            var replace = false;
            if (registry.TryGet(tool, out var existing))
            {
                if (string.Equals(existing.Source, plugin.Directory, StringComparison.Ordinal))
                {
                    continue; // already registered from this very plugin
                }

                if (Options.AllowReplacingBuiltIns && string.Equals(existing.Source, "built-in", StringComparison.Ordinal))
                {
                    replace = true;
                    warnings.Add($"'{tool}' from {plugin.Directory} replaces the built-in runner (AllowReplacingBuiltIns is on).");
                }
                else
                {
                    failures.Add(new PluginLoadFailure(plugin.Directory, tool,
                        $"tool '{tool}' from '{plugin.Directory}' is already registered from '{existing.Source}'. Remove one of the two "
                        + (existing.Source == "built-in" ? "or set AllowReplacingBuiltIns to let the plugin replace the built-in runner." : "plugins ('dhee plugins remove <id>').")));
                    continue;
                }
            }

            try
            {
                registry.Register(runner.Manifest, runner.Runner, plugin.Directory, replace);
                registered.Add(runner);
            }
            catch (DheeException ex)
            {
                failures.Add(new PluginLoadFailure(plugin.Directory, tool, ex.Message));
            }
        }
    }

    private LoadedPlugin LoadTraced(InstalledPlugin plugin)
    {
        using var span = DheeTelemetry.Start(DheeTelemetry.PluginLoadSpan);
        span?.SetTag(TelemetryTags.PluginId, plugin.Id).SetTag(TelemetryTags.PluginVersion, plugin.Version.ToNormalizedString());
        try
        {
            var loaded = LoadCore(plugin);
            span?.SetTag(TelemetryTags.PluginRunners, loaded.Runners.Count);
            return loaded;
        }
        catch (Exception ex) when (DheeTelemetry.Fail(span, ex))
        {
            throw;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private LoadedPlugin LoadCore(InstalledPlugin plugin)
    {
        var manifestFile = plugin.Manifest.SourcePath ?? Path.Combine(plugin.Directory, PluginManifest.FileName);
        if (!plugin.IsEngineCompatible)
        {
            throw new PluginLoadException(plugin.Directory, [plugin.EngineProblem!]);
        }

        if (!SafePath.TryResolve(plugin.Directory, plugin.Manifest.Entry, out var entryPath, out var pathError))
        {
            throw new PluginLoadException(plugin.Directory, [$"{manifestFile}: $.entry: {pathError}"]);
        }

        if (!File.Exists(entryPath))
        {
            throw new PluginLoadException(plugin.Directory, [$"{manifestFile}: $.entry: the entry assembly '{plugin.Manifest.Entry}' does not exist in the package folder; fix \"entry\" or reinstall the package."]);
        }

        var host = HostAssemblies.Current;
        var shared = new HashSet<string>(host.ContractAssemblies, StringComparer.OrdinalIgnoreCase);
        shared.UnionWith(Options.SharedAssemblies);
        var warnings = new List<string>();
        var errors = PluginCompatibility.Check(plugin, entryPath, host, shared, HostFrameworksOverride ?? host.Frameworks, warnings);
        if (errors.Count > 0)
        {
            throw new PluginLoadException(plugin.Directory, errors);
        }

        var context = new PluginLoadContext($"{plugin.Id}/{plugin.Version}", entryPath, shared, host.FrameworkAssemblies, Options.Collectible);
        try
        {
            using (context.EnterContextualReflection())
            {
                var assembly = context.LoadFromAssemblyPath(entryPath);
                var runners = CreateRunners(plugin, assembly, context, manifestFile, warnings);
                return new LoadedPlugin(plugin, context, assembly, runners, warnings);
            }
        }
        catch (Exception ex) when (ex is not PluginLoadException)
        {
            if (context.IsCollectible)
            {
                context.Unload();
            }

            throw new PluginLoadException(plugin.Directory, [Describe(ex)], ex);
        }
        catch (PluginLoadException)
        {
            if (context.IsCollectible)
            {
                context.Unload();
            }

            throw;
        }
    }

    private List<LoadedRunner> CreateRunners(InstalledPlugin plugin, Assembly assembly, System.Runtime.Loader.AssemblyLoadContext context, string manifestFile, List<string> warnings)
    {
        var declared = plugin.Manifest.Runners.ToDictionary(r => r.Tool, StringComparer.Ordinal);
        var created = new Dictionary<string, IRunner>(StringComparer.Ordinal);
        var errors = new List<string>();
        var used = new HashSet<Type>();

        void Offer(IRunner runner, string origin)
        {
            var id = runner.Describe().Id;
            if (!declared.ContainsKey(id))
            {
                warnings.Add($"{plugin.Id} {plugin.Version}: {origin} provides '{id}', which {PluginManifest.FileName} does not declare; it is not registered. Add it to \"runners\".");
            }
            else if (!created.TryAdd(id, runner) && !ReferenceEquals(created[id], runner))
            {
                errors.Add($"{origin} provides '{id}' a second time; each tool id must come from one runner.");
            }
        }

        // 1. Runners pinned by type name in the manifest.
        for (var i = 0; i < plugin.Manifest.Runners.Count; i++)
        {
            var entry = plugin.Manifest.Runners[i];
            if (entry.Type is null)
            {
                continue;
            }

            var type = assembly.GetType(entry.Type, throwOnError: false);
            if (type is null || !typeof(IRunner).IsAssignableFrom(type) || type.IsAbstract || type.GetConstructor(Type.EmptyTypes) is null)
            {
                errors.Add($"{manifestFile}: $.runners[{i}].type: '{entry.Type}' is not a public IRunner type with a public parameterless constructor in {assembly.GetName().Name}.");
                continue;
            }

            used.Add(type);
            var runner = (IRunner)Activator.CreateInstance(type)!;
            if (runner.Describe().Id != entry.Tool)
            {
                errors.Add($"{manifestFile}: $.runners[{i}].type: '{entry.Type}' describes itself as '{runner.Describe().Id}', not '{entry.Tool}'.");
                continue;
            }

            created[entry.Tool] = runner;
        }

        // 2. Factories, then 3. runner types with a parameterless constructor.
        var exported = assembly.GetExportedTypes().Where(t => t is { IsClass: true, IsAbstract: false, ContainsGenericParameters: false }).ToList();
        foreach (var type in exported.Where(t => typeof(IRunnerFactory).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null))
        {
            var factory = (IRunnerFactory)Activator.CreateInstance(type)!;
            foreach (var runner in factory.CreateRunners(Options.Services ?? EmptyServiceProvider.Instance) ?? [])
            {
                if (runner is not null)
                {
                    used.Add(runner.GetType());
                    Offer(runner, $"factory {type.FullName}");
                }
            }
        }

        foreach (var type in exported.Where(t => typeof(IRunner).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null && !used.Contains(t)))
        {
            var runner = (IRunner)Activator.CreateInstance(type)!;
            if (!created.ContainsKey(runner.Describe().Id))
            {
                Offer(runner, $"type {type.FullName}");
            }
        }

        foreach (var tool in declared.Keys.Where(t => !created.ContainsKey(t)))
        {
            errors.Add($"{manifestFile} declares '{tool}', but {assembly.GetName().Name} has no public IRunner with a parameterless constructor, and no IRunnerFactory, that provides it.");
        }

        if (errors.Count > 0)
        {
            throw new PluginLoadException(plugin.Directory, errors);
        }

        return [.. declared.Values.Select(entry => new LoadedRunner(plugin.Manifest.ToRunnerManifest(entry), new ContextualRunner(created[entry.Tool], context)))];
    }

    private static string Describe(Exception ex) => ex switch
    {
        TargetInvocationException { InnerException: { } inner } => $"a runner or factory constructor threw {inner.GetType().Name}: {inner.Message}",
        ReflectionTypeLoadException rtle => "some types cannot be loaded: " + string.Join("; ", rtle.LoaderExceptions.OfType<Exception>().Select(e => e.Message).Distinct().Take(5)),
        FileNotFoundException fnf => $"a dependency is missing from the package folder: {fnf.FileName ?? fnf.Message}. The package must carry its full dependency closure (publish output); rebuild and reinstall it.",
        FileLoadException fle => $"a dependency cannot be loaded: {fle.Message}. It may need a newer Dhee or .NET than this host has.",
        TypeLoadException or MissingMethodException => $"the plugin uses an API this host does not have ({ex.Message}); it was probably built against a newer Dhee.Core. Install a version built for this engine.",
        _ => $"{ex.GetType().Name}: {ex.Message}",
    };
}
