using Dhee.Validation;

namespace Dhee.Bundles;

/// <summary>The outcome of loading a bundle: the bundle when it is valid, else every problem found.</summary>
public sealed record BundleLoadResult
{
    /// <summary>Gets the bundle; null when any problem was found.</summary>
    public Bundle? Bundle { get; init; }

    /// <summary>
    /// Gets the bundle as far as it could be read even when it has problems (missing fields become empty strings or
    /// defaults), so tools can run further checks, such as the runner registry's, and report everything at once.
    /// Null when the file could not be read or parsed as JSON. Never run a partial bundle.
    /// </summary>
    public Bundle? PartialBundle { get; init; }

    /// <summary>Gets every problem found, each with its file, JSON path, line and column where known, and a fix.</summary>
    public IReadOnlyList<ValidationProblem> Problems { get; init; } = [];

    /// <summary>Gets the bundle file that was read (or would have been), if the load got that far.</summary>
    public string? SourcePath { get; init; }

    /// <summary>Gets a value indicating whether the bundle loaded without problems.</summary>
    public bool Success => Bundle is not null && Problems.Count == 0;
}
