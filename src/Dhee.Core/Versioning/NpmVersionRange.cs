using System.Diagnostics.CodeAnalysis;
using NuGet.Versioning;

namespace Dhee.Versioning;

/// <summary>
/// A version range written the way npm writes them (<c>^1.2.0</c>, <c>~0.3</c>, <c>1.x</c>, <c>&gt;=1.0.0 &lt;2.0.0</c>,
/// <c>1.2.3 - 2.0</c>, <c>^1.0.0 || ^2.0.0</c>), evaluated over NuGet's <see cref="SemanticVersion"/> with npm's rules.
/// </summary>
/// <remarks>
/// <para>Do not hand npm ranges to NuGet's <c>VersionRange</c>: there <c>1.0</c> means <c>&gt;= 1.0</c>, in npm it means <c>1.0.x</c>.</para>
/// <para>
/// Like npm, a prerelease version (<c>1.2.3-beta</c>) satisfies a range only when some comparator of the matching
/// alternative names a prerelease of the same <c>major.minor.patch</c>, unless include-prerelease is asked for;
/// prerelease labels compare case-sensitively; build metadata is ignored; four-part versions are rejected.
/// </para>
/// </remarks>
public sealed class NpmVersionRange
{
    private readonly IReadOnlyList<IReadOnlyList<NpmComparator>> strictSets;
    private readonly IReadOnlyList<IReadOnlyList<NpmComparator>> includePrereleaseSets;

    private NpmVersionRange(
        string originalString,
        IReadOnlyList<IReadOnlyList<NpmComparator>> strictSets,
        IReadOnlyList<IReadOnlyList<NpmComparator>> includePrereleaseSets)
    {
        OriginalString = originalString;
        this.strictSets = strictSets;
        this.includePrereleaseSets = includePrereleaseSets;
    }

    /// <summary>Gets the range text as it was parsed.</summary>
    public string OriginalString { get; }

    /// <summary>Parses an npm range.</summary>
    /// <param name="range">The range, for example <c>^1.2.0 || &gt;=2.0.0-rc.1</c>. An empty range means any version, as in npm.</param>
    /// <returns>The parsed range.</returns>
    /// <exception cref="FormatException">The range is not valid npm range syntax; the message names the range and what is wrong.</exception>
    public static NpmVersionRange Parse(string range)
    {
        ArgumentNullException.ThrowIfNull(range);
        if (!TryParse(range, out var result, out var error))
        {
            throw new FormatException(error);
        }

        return result;
    }

    /// <summary>Parses an npm range without throwing.</summary>
    /// <param name="range">The range text.</param>
    /// <param name="result">The parsed range, or null when invalid.</param>
    /// <param name="error">Why the range is invalid (naming the range), or null when valid.</param>
    /// <returns>True when <paramref name="range"/> is a valid range.</returns>
    public static bool TryParse(string range, [NotNullWhen(true)] out NpmVersionRange? result, [NotNullWhen(false)] out string? error)
    {
        result = null;
        if (range is null)
        {
            error = "The version range is missing (null). Write an npm range such as '^1.0.0'.";
            return false;
        }

        var problem = NpmRangeParser.TryParse(range, out var strict, out var includePrerelease);
        if (problem is not null)
        {
            error = $"Invalid version range '{range}': {problem}. Write an npm range such as '^1.2.0', '~1.2', '1.x', '>=1.0.0 <2.0.0' or '1.0.0 - 2.0.0'.";
            return false;
        }

        error = null;
        result = new NpmVersionRange(range, strict, includePrerelease);
        return true;
    }

    /// <summary>Tests a version against the range.</summary>
    /// <param name="version">The version. A four-part <see cref="NuGetVersion"/> (non-zero revision) never satisfies.</param>
    /// <param name="includePrerelease">
    /// True to let prerelease versions satisfy the range like any other version (npm's <c>includePrerelease</c>),
    /// which is what engine-compatibility checks against a prerelease engine need.
    /// </param>
    /// <returns>True when <paramref name="version"/> satisfies some alternative of the range.</returns>
    public bool IsSatisfiedBy(SemanticVersion version, bool includePrerelease = false)
    {
        ArgumentNullException.ThrowIfNull(version);
        if (version is NuGetVersion { Revision: not 0 })
        {
            return false;
        }

        foreach (var set in includePrerelease ? includePrereleaseSets : strictSets)
        {
            if (TestSet(set, version, includePrerelease))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Returns the range with every shorthand expanded to primitive comparators, for example <c>&gt;=1.2.3 &lt;2.0.0-0</c>.</summary>
    /// <returns>The expanded range; alternatives are separated by <c> || </c>.</returns>
    public string ToNormalizedString() =>
        string.Join(" || ", strictSets.Select(set => string.Join(' ', set.Select(c => c.ToString()))));

    /// <inheritdoc/>
    public override string ToString() => OriginalString;

    private static bool TestSet(IReadOnlyList<NpmComparator> set, SemanticVersion version, bool includePrerelease)
    {
        foreach (var comparator in set)
        {
            if (!comparator.Test(version))
            {
                return false;
            }
        }

        if (!version.IsPrerelease || includePrerelease)
        {
            return true;
        }

        // A prerelease only matches when the range names a prerelease of the same numbers, so '^1.2.3' never
        // offers '2.0.0-alpha' but '>=1.2.3-beta.1' offers '1.2.3-beta.2'.
        foreach (var comparator in set)
        {
            if (comparator.Operator != NpmOperator.Any
                && comparator.Version.IsPrerelease
                && NpmVersionComparer.SameNumbers(comparator.Version, version))
            {
                return true;
            }
        }

        return false;
    }
}
