namespace Dhee.Plugins;

/// <summary>Why a plugin, or one of its runners, was not loaded or registered.</summary>
/// <param name="Source">The plugin folder or manifest file concerned.</param>
/// <param name="Tool">The tool id concerned, or null when the whole plugin failed.</param>
/// <param name="Message">What went wrong and how to fix it.</param>
public sealed record PluginLoadFailure(string Source, string? Tool, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => Tool is null ? $"{Source}: {Message}" : $"{Source} ({Tool}): {Message}";
}
