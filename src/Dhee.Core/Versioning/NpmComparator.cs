using NuGet.Versioning;

namespace Dhee.Versioning;

/// <summary>One primitive comparison of a desugared npm range, such as <c>&gt;=1.2.3</c> or <c>&lt;2.0.0-0</c>.</summary>
internal sealed record NpmComparator(NpmOperator Operator, SemanticVersion Version)
{
    /// <summary>A comparator that every version satisfies (npm's <c>*</c>); it never admits prereleases on its own.</summary>
    public static readonly NpmComparator Any = new(NpmOperator.Any, new SemanticVersion(0, 0, 0));

    /// <summary>A comparator that no version satisfies (npm's <c>&lt;0.0.0-0</c>).</summary>
    public static readonly NpmComparator None = new(NpmOperator.LessThan, NpmPartialVersion.Lowest(0, 0, 0));

    /// <summary>Tests a version against this comparison only (the prerelease rule is applied by the set).</summary>
    public bool Test(SemanticVersion version)
    {
        if (Operator == NpmOperator.Any)
        {
            return true;
        }

        var c = NpmVersionComparer.Compare(version, Version);
        return Operator switch
        {
            NpmOperator.Equal => c == 0,
            NpmOperator.LessThan => c < 0,
            NpmOperator.LessThanOrEqual => c <= 0,
            NpmOperator.GreaterThan => c > 0,
            NpmOperator.GreaterThanOrEqual => c >= 0,
            _ => false,
        };
    }

    /// <inheritdoc/>
    public override string ToString() => Operator switch
    {
        NpmOperator.Any => "*",
        NpmOperator.Equal => Version.ToNormalizedString(),
        NpmOperator.LessThan => "<" + Version.ToNormalizedString(),
        NpmOperator.LessThanOrEqual => "<=" + Version.ToNormalizedString(),
        NpmOperator.GreaterThan => ">" + Version.ToNormalizedString(),
        _ => ">=" + Version.ToNormalizedString(),
    };
}
