namespace Dhee.Bundles;

/// <summary>The runners a bundle needs, checked before any work starts.</summary>
public sealed record BundleDependencies
{
    /// <summary>Gets the npm-style version range required of each tool id.</summary>
    public IReadOnlyDictionary<string, string> Runners { get; init; } = new Dictionary<string, string>();

    /// <summary>Gets, per tool id, the package that provides it (an install hint).</summary>
    public IReadOnlyDictionary<string, string> RunnerPackages { get; init; } = new Dictionary<string, string>();
}
