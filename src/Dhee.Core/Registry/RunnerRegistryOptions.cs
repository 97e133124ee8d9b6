using NuGet.Versioning;

namespace Dhee.Registry;

/// <summary>Settings of a <see cref="RunnerRegistry"/>; the defaults read the real environment and engine version.</summary>
public sealed class RunnerRegistryOptions
{
    /// <summary>Gets or sets how environment variables are read when checking runner credentials.</summary>
    /// <value>The default value is <see cref="Environment.GetEnvironmentVariable(string)"/>.</value>
    public Func<string, string?> GetEnvironmentVariable { get; set; } = Environment.GetEnvironmentVariable;

    /// <summary>Gets or sets the engine version that runners' and bundles' <c>engineCompat</c> ranges are checked against.</summary>
    /// <value>The default value is <see cref="DheeEngine.Version"/>.</value>
    public SemanticVersion EngineVersion { get; set; } = DheeEngine.Version;
}
