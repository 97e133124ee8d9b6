using System.Reflection;
using NuGet.Versioning;

namespace Dhee;

/// <summary>
/// Facts about the running Dhee engine, such as the version that plugins' <c>engineCompat</c> ranges are checked against.
/// </summary>
public static class DheeEngine
{
    private static readonly Lazy<SemanticVersion> LazyVersion = new(ReadVersion);

    /// <summary>Gets the semantic version of this Dhee.Core build.</summary>
    public static SemanticVersion Version => LazyVersion.Value;

    private static SemanticVersion ReadVersion()
    {
        var informational = typeof(DheeEngine).Assembly
            .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

        // Source Link appends "+<commit>"; build metadata does not take part in comparisons anyway.
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        var text = plus >= 0 ? informational[..plus] : informational;
        return SemanticVersion.TryParse(text, out var version) ? version : new SemanticVersion(0, 0, 0);
    }
}
