using Dhee.Errors;

namespace Dhee.Plugins;

/// <summary>Thrown when a plugin cannot be loaded: incompatible with this host, missing files, or runners that do not match its manifest.</summary>
public sealed class PluginLoadException : DheeException
{
    /// <summary>Initializes a new instance of the <see cref="PluginLoadException"/> class.</summary>
    /// <param name="pluginDirectory">The plugin's package version folder.</param>
    /// <param name="problems">Every reason the plugin cannot load, each naming the fix.</param>
    /// <param name="innerException">The underlying cause, if any.</param>
    public PluginLoadException(string pluginDirectory, IReadOnlyList<string> problems, Exception? innerException = null)
        : base(Format(pluginDirectory, problems), innerException)
    {
        PluginDirectory = pluginDirectory;
        Problems = problems;
    }

    /// <summary>Gets the plugin's package version folder.</summary>
    public string PluginDirectory { get; }

    /// <summary>Gets every reason the plugin cannot load.</summary>
    public IReadOnlyList<string> Problems { get; }

    private static string Format(string pluginDirectory, IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        return problems.Count == 1
            ? $"Cannot load the plugin in '{pluginDirectory}': {problems[0]}"
            : $"Cannot load the plugin in '{pluginDirectory}':{Environment.NewLine}" + string.Join(Environment.NewLine, problems.Select(p => "  - " + p));
    }
}
