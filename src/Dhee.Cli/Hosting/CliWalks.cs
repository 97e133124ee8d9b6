using Dhee.Bundles;
using Dhee.Caching;
using Dhee.Registry;
using Dhee.Walking;

namespace Dhee.Cli.Hosting;

/// <summary>Builds walkers and caches for the verbs that walk or inspect projects.</summary>
internal static class CliWalks
{
    /// <summary>Creates a walker over every runner of <paramref name="registry"/>, validating bundles against it before any work.</summary>
    public static Walker CreateWalker(RunnerRegistry registry) => new(
        tool => registry.TryGet(tool, out var registration) ? registration.Runner : null,
        registry.ValidateBundle,
        tool => registry.TryGet(tool, out var registration) ? registration.Manifest.Version : null);

    /// <summary>Opens the generation cache from the environment (<c>DHEE_CACHE_ROOT</c>, <c>DHEE_DISABLE_CAS</c>), or a disabled one.</summary>
    public static GenerationCache OpenCache(bool disabled) => disabled ? GenerationCache.Disabled : GenerationCache.Open();

    /// <summary>Loads a bundle, throwing a validation exception that lists every problem.</summary>
    public static Bundle LoadBundle(string path) => BundleLoader.Load(path);
}
