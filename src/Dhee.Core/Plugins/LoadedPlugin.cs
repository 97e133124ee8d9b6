using System.Reflection;
using System.Runtime.Loader;

namespace Dhee.Plugins;

/// <summary>A plugin whose code is loaded into its own load context, with the runners it provides.</summary>
public sealed class LoadedPlugin
{
    internal LoadedPlugin(InstalledPlugin plugin, AssemblyLoadContext context, Assembly entryAssembly, IReadOnlyList<LoadedRunner> runners, IReadOnlyList<string> warnings)
    {
        Plugin = plugin;
        Context = context;
        EntryAssembly = entryAssembly;
        Runners = runners;
        Warnings = warnings;
    }

    /// <summary>Gets the installed package this was loaded from.</summary>
    public InstalledPlugin Plugin { get; }

    /// <summary>Gets the plugin's entry assembly.</summary>
    public Assembly EntryAssembly { get; }

    /// <summary>Gets the runners the plugin provides, one per tool id its manifest declares.</summary>
    public IReadOnlyList<LoadedRunner> Runners { get; }

    /// <summary>Gets things worth telling the plugin's author or the host, such as a copy of Dhee.Core shipped in the plugin folder.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Gets a value indicating whether the plugin's context can be unloaded.</summary>
    public bool IsCollectible => Context.IsCollectible;

    internal AssemblyLoadContext Context { get; }
}
