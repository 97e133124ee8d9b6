using System.Diagnostics.CodeAnalysis;
using Dhee.Errors;
using Dhee.Runners;

namespace Dhee.Registry;

// TEMPORARY stand-in written by the plugins branch so it compiles before the foundation branch lands.
// The foundation branch owns this type (agreed API in BRIEF.md); take its version on merge and delete this file.

/// <summary>Maps tool ids to runners (stand-in until the foundation implementation lands).</summary>
public sealed class RunnerRegistry
{
    private readonly Dictionary<string, RunnerRegistration> _registrations = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Registers a runner.</summary>
    /// <param name="manifest">The manifest.</param>
    /// <param name="runner">The runner.</param>
    /// <param name="source">Where it comes from.</param>
    /// <param name="replaceExisting">Whether an existing registration may be replaced.</param>
    /// <exception cref="DheeConfigurationException">The tool id is already registered.</exception>
    public void Register(RunnerManifest manifest, IRunner runner, string source = "built-in", bool replaceExisting = false)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        lock (_lock)
        {
            if (!replaceExisting && _registrations.TryGetValue(manifest.Tool, out var existing))
            {
                throw new DheeConfigurationException(
                    $"Runner '{manifest.Tool}' from '{source}' is already registered from '{existing.Source}'.");
            }

            _registrations[manifest.Tool] = new RunnerRegistration(manifest, runner, source);
        }
    }

    /// <summary>Looks a tool up.</summary>
    /// <param name="tool">The tool id.</param>
    /// <param name="registration">The registration, when found.</param>
    /// <returns>True when found.</returns>
    public bool TryGet(string tool, [NotNullWhen(true)] out RunnerRegistration? registration)
    {
        lock (_lock)
        {
            return _registrations.TryGetValue(tool, out registration);
        }
    }

    /// <summary>Lists registrations.</summary>
    /// <returns>Every registration.</returns>
    public IReadOnlyList<RunnerRegistration> List()
    {
        lock (_lock)
        {
            return [.. _registrations.Values];
        }
    }
}

/// <summary>A registered runner (stand-in).</summary>
/// <param name="Manifest">The manifest.</param>
/// <param name="Runner">The runner.</param>
/// <param name="Source">Where it came from.</param>
public sealed record RunnerRegistration(RunnerManifest Manifest, IRunner Runner, string Source);
