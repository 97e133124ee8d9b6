using Dhee.Versioning;
using NuGet.Versioning;

namespace Dhee.Tests.Versioning;

public class NpmVersionRangeTests
{
    // node-semver fixtures (range-include.js / range-exclude.js), as listed in plugin-loading.md.
    [Theory]
    [InlineData("1.2.3-pre+asdf - 2.4.3-pre+asdf", "1.2.3-pre.2", true)]
    [InlineData("1.2.3-pre+asdf - 2.4.3-pre+asdf", "2.4.3-alpha", true)]
    [InlineData(">=0.2.3 || <0.0.1", "0.0.0", true)]
    [InlineData("~1.2.1 >=1.2.3", "1.2.3", true)]
    [InlineData("^1.2.3-alpha", "1.2.3-pre", true)]
    [InlineData("^0.0.1-alpha", "0.0.1", true)]
    [InlineData("1.0.0 - 2.0.0", "2.2.3", false)]
    [InlineData("^1.2.3", "1.2.3-pre", false)]
    [InlineData(">1.2", "1.3.0-beta", false)]
    [InlineData("<=1.2.3", "1.2.3-beta", false)]
    [InlineData("~0.0.1", "0.1.0-alpha", false)]
    [InlineData(">1.2", "1.2.8", false)]
    [InlineData("^0.0.1", "0.0.2", false)]
    [InlineData("^1.2.3", "2.0.0-alpha", false)]
    [InlineData("1 - 2", "2.0.0-pre", false)]
    [InlineData(">=1.0.0 <1.1.0", "1.1.0-pre", false)]
    [InlineData("~1.2.3-beta.2", "1.2.3-beta.4", true)]
    [InlineData("~1.2.3-beta.2", "1.2.4-beta.2", false)]
    [InlineData("^0.0.3", "0.0.4", false)]
    [InlineData("^0.2.3", "0.3.0", false)]
    public void IsSatisfiedBy_NodeSemverVectors_MatchesNpm(string range, string version, bool expected)
    {
        Assert.Equal(expected, NpmVersionRange.Parse(range).IsSatisfiedBy(SemanticVersion.Parse(version)));
    }

    [Theory]
    [InlineData("1.2.3 - 3.4", ">=1.2.3 <3.5.0-0")]
    [InlineData("^0", ">=0.0.0 <1.0.0-0")]
    [InlineData("1.2.3 - 2.3.4", ">=1.2.3 <=2.3.4")]
    [InlineData("1.x", ">=1.0.0 <2.0.0-0")]
    [InlineData("*", "*")]
    [InlineData("", "*")]
    [InlineData("~1.2.3", ">=1.2.3 <1.3.0-0")]
    [InlineData("^0.2.3", ">=0.2.3 <0.3.0-0")]
    [InlineData("^0.0.3", ">=0.0.3 <0.0.4-0")]
    [InlineData(">1.2", ">=1.3.0")]
    [InlineData("<1.2", "<1.2.0-0")]
    [InlineData("<=1.2", "<1.3.0-0")]
    [InlineData(">1", ">=2.0.0")]
    [InlineData("^1.2.x", ">=1.2.0 <2.0.0-0")]
    [InlineData("^0.0.x", ">=0.0.0 <0.1.0-0")]
    [InlineData("~1", ">=1.0.0 <2.0.0-0")]
    [InlineData("~> 1.2", ">=1.2.0 <1.3.0-0")]
    [InlineData(">= 1.2.3", ">=1.2.3")]
    [InlineData("=1.2.3", "1.2.3")]
    [InlineData("v1.2.3", "1.2.3")]
    [InlineData("1.2.3+build.5", "1.2.3")]
    [InlineData(">*", "<0.0.0-0")]
    [InlineData("1.2 - *", ">=1.2.0")]
    [InlineData("^1.0.0 || ~2.1", ">=1.0.0 <2.0.0-0 || >=2.1.0 <2.2.0-0")]
    public void Parse_Shorthand_ExpandsLikeNpm(string range, string expanded)
    {
        Assert.Equal(expanded, NpmVersionRange.Parse(range).ToNormalizedString());
    }

    [Theory]
    [InlineData("1.x.5", "number after a wildcard")]
    [InlineData("garbage", "is not a version")]
    [InlineData("1.2.3.4", "at most three")]
    [InlineData(">=", "has no version after it")]
    [InlineData(">= <2", "has no version after it")]
    [InlineData("1.2 -", "misuses '-'")]
    [InlineData("1 - 2 - 3", "misuses '-'")]
    [InlineData("01.2.3", "leading zero")]
    [InlineData("1.2-beta", "not all three numbers")]
    [InlineData("1.2.3-", "invalid prerelease")]
    [InlineData("1.2.3-be$ta", "invalid prerelease")]
    [InlineData("99999999999.0.0", "too large")]
    [InlineData("^1.2.3 ||| 2", "is not a version")]
    public void Parse_Invalid_ThrowsFormatExceptionNamingRangeAndProblem(string range, string expected)
    {
        var ex = Assert.Throws<FormatException>(() => NpmVersionRange.Parse(range));

        Assert.Contains($"'{range}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_Invalid_ReturnsFalseWithError()
    {
        Assert.False(NpmVersionRange.TryParse("1.x.5", out var range, out var error));
        Assert.Null(range);
        Assert.Contains("1.x.5", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_Valid_KeepsOriginalString()
    {
        Assert.True(NpmVersionRange.TryParse("^1.2 || 3", out var range, out var error));
        Assert.Null(error);
        Assert.Equal("^1.2 || 3", range!.OriginalString);
        Assert.Equal("^1.2 || 3", range.ToString());
    }

    [Theory]
    [InlineData(">=1.0.0-alpha", "1.0.0-Beta", false)] // 'B' (66) sorts before 'a' (97): npm is case-sensitive, NuGet is not
    [InlineData(">=1.0.0-Beta", "1.0.0-alpha", true)]
    [InlineData(">=1.0.0-alpha.2", "1.0.0-alpha.10", true)] // numeric identifiers compare as numbers
    [InlineData(">=1.0.0-alpha.1", "1.0.0-alpha.beta", true)] // numeric sorts before alphanumeric
    [InlineData(">=1.0.0-alpha", "1.0.0-alpha.1", true)] // more identifiers sort higher
    [InlineData("<1.0.0", "1.0.0-rc.1", false)] // prerelease of a tuple no comparator names
    [InlineData("*", "1.0.0-rc.1", false)]
    [InlineData("1.2.3", "1.2.3+build.7", true)] // build metadata is ignored
    [InlineData("^1.0.0 || ^2.0.0", "2.5.0", true)]
    [InlineData("^1.0.0 || ^2.0.0", "3.0.0", false)]
    public void IsSatisfiedBy_PrecedenceRules_FollowNpm(string range, string version, bool expected)
    {
        Assert.Equal(expected, NpmVersionRange.Parse(range).IsSatisfiedBy(SemanticVersion.Parse(version)));
    }

    [Theory]
    [InlineData(">=0.1.0", "0.2.0-preview.1", true)] // an engine check against a prerelease engine
    [InlineData("^0.1.0", "0.1.5-ci.3", true)]
    [InlineData("*", "1.0.0-rc.1", true)]
    [InlineData("1.x", "1.0.0-alpha", true)] // lower bound becomes 1.0.0-0
    [InlineData("^1.2.3", "2.0.0-alpha", false)] // upper bounds exclude the next major's prereleases
    [InlineData("1.2.3 - 1.2.4", "1.2.5-0", false)]
    [InlineData("1.2.3 - 1.2.4", "1.2.4-rc", true)]
    public void IsSatisfiedBy_IncludePrerelease_AdmitsPrereleasesInsideBounds(string range, string version, bool expected)
    {
        Assert.Equal(expected, NpmVersionRange.Parse(range).IsSatisfiedBy(SemanticVersion.Parse(version), includePrerelease: true));
    }

    [Fact]
    public void IsSatisfiedBy_FourPartNuGetVersion_NeverSatisfies()
    {
        var range = NpmVersionRange.Parse(">=1.0.0");

        Assert.False(range.IsSatisfiedBy(NuGetVersion.Parse("1.2.3.4")));
        Assert.True(range.IsSatisfiedBy(NuGetVersion.Parse("1.2.3")));
    }
}
