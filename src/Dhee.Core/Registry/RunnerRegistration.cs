using Dhee.Runners;

namespace Dhee.Registry;

/// <summary>A runner known to a <see cref="RunnerRegistry"/>: its manifest, the runner, and where it came from.</summary>
/// <param name="Manifest">The runner's manifest.</param>
/// <param name="Runner">The runner.</param>
/// <param name="Source">Where the runner came from: <c>built-in</c>, a plugin folder, or a host-chosen label.</param>
public sealed record RunnerRegistration(RunnerManifest Manifest, IRunner Runner, string Source)
{
    /// <summary>Gets the runner's description, read once at registration.</summary>
    public RunnerDescription Description { get; } = (Runner ?? throw new ArgumentNullException(nameof(Runner))).Describe();
}
