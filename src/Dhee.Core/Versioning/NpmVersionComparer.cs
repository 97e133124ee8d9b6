using NuGet.Versioning;

namespace Dhee.Versioning;

/// <summary>
/// Orders versions the way npm does. Unlike NuGet's comparer it compares prerelease labels case-sensitively
/// (<c>1.0.0-Beta</c> sorts before <c>1.0.0-alpha</c>) and ignores build metadata.
/// </summary>
internal static class NpmVersionComparer
{
    /// <summary>Compares two versions by npm precedence.</summary>
    public static int Compare(SemanticVersion left, SemanticVersion right)
    {
        var c = left.Major.CompareTo(right.Major);
        if (c != 0)
        {
            return c;
        }

        c = left.Minor.CompareTo(right.Minor);
        if (c != 0)
        {
            return c;
        }

        c = left.Patch.CompareTo(right.Patch);
        if (c != 0)
        {
            return c;
        }

        var a = left.ReleaseLabels.ToArray();
        var b = right.ReleaseLabels.ToArray();
        if (a.Length == 0 || b.Length == 0)
        {
            // A release sorts after every prerelease of the same numbers.
            return b.Length.CompareTo(a.Length);
        }

        for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            c = CompareIdentifier(a[i], b[i]);
            if (c != 0)
            {
                return c;
            }
        }

        return a.Length.CompareTo(b.Length);
    }

    /// <summary>True when both versions have the same major, minor and patch numbers.</summary>
    public static bool SameNumbers(SemanticVersion left, SemanticVersion right) =>
        left.Major == right.Major && left.Minor == right.Minor && left.Patch == right.Patch;

    private static int CompareIdentifier(string a, string b)
    {
        var aNumeric = a.All(char.IsAsciiDigit);
        var bNumeric = b.All(char.IsAsciiDigit);
        if (aNumeric && bNumeric)
        {
            // Arbitrary length: compare by length first (no leading zeros), then digit by digit.
            var byLength = a.Length.CompareTo(b.Length);
            return byLength != 0 ? byLength : string.CompareOrdinal(a, b);
        }

        if (aNumeric != bNumeric)
        {
            return aNumeric ? -1 : 1;
        }

        return Math.Sign(string.CompareOrdinal(a, b));
    }
}
