namespace Dhee.Plugins;

/// <summary>The outcome of <see cref="PluginInstaller.Install"/>.</summary>
/// <param name="Plugin">The installed plugin, as discovery will see it.</param>
/// <param name="ReplacedExisting">True when the same id and version was installed before and was replaced.</param>
public sealed record PluginInstallResult(InstalledPlugin Plugin, bool ReplacedExisting);
