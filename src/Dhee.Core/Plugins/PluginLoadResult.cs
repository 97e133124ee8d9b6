using Dhee.Errors;
using Dhee.Validation;

namespace Dhee.Plugins;

/// <summary>What loading plugins into a registry did: the runners registered, and every failure (which never stopped the others).</summary>
public sealed class PluginLoadResult
{
    internal PluginLoadResult(IReadOnlyList<LoadedRunner> registered, IReadOnlyList<PluginLoadFailure> failures, IReadOnlyList<string> warnings, IReadOnlyList<string>? missingTools = null)
    {
        Registered = registered;
        Failures = failures;
        Warnings = warnings;
        MissingTools = missingTools ?? [];
    }

    /// <summary>
    /// Gets the tools that were asked for but that no installed plugin declares (the registry's bundle validation reports
    /// them with an install hint). Tools that are installed but excluded by version or engine are in <see cref="Failures"/>.
    /// </summary>
    public IReadOnlyList<string> MissingTools { get; }

    /// <summary>Gets the runners that were registered.</summary>
    public IReadOnlyList<LoadedRunner> Registered { get; }

    /// <summary>Gets every plugin or runner that failed, with the reason and the fix.</summary>
    public IReadOnlyList<PluginLoadFailure> Failures { get; }

    /// <summary>Gets warnings worth showing (shipped copies of Dhee.Core, replaced built-ins, undeclared runners).</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Gets a value indicating whether nothing failed.</summary>
    public bool Success => Failures.Count == 0;

    /// <summary>Throws when anything failed.</summary>
    /// <exception cref="DheeValidationException">One or more plugins failed; lists every failure.</exception>
    public void ThrowIfFailed()
    {
        if (!Success)
        {
            throw new DheeValidationException(
                "some runner plugins could not be loaded",
                [.. Failures.Select(f => new ValidationProblem { File = f.Source, Code = "plugin.load", Message = f.Tool is null ? f.Message : $"{f.Tool}: {f.Message}" })]);
        }
    }
}
