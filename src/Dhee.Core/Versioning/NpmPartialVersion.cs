using System.Globalization;
using NuGet.Versioning;

namespace Dhee.Versioning;

/// <summary>
/// A version as written inside an npm range: up to three numbers, each of which may be a wildcard
/// (<c>x</c>, <c>X</c>, <c>*</c>) or missing, then an optional prerelease and build metadata.
/// </summary>
internal sealed record NpmPartialVersion(int? Major, int? Minor, int? Patch, IReadOnlyList<string> Prerelease)
{
    /// <summary>Gets a value indicating whether every number is present (no wildcard, nothing missing).</summary>
    public bool IsFull => Patch is not null;

    /// <summary>Gets a value indicating whether the major number is a wildcard or missing, which matches everything.</summary>
    public bool IsAny => Major is null;

    /// <summary>Parses one version of a range, or explains what is wrong with it.</summary>
    /// <param name="text">The version text without its operator.</param>
    /// <param name="result">The parsed version.</param>
    /// <returns>Null on success; otherwise why <paramref name="text"/> is not a version.</returns>
    public static string? TryParse(string text, out NpmPartialVersion? result)
    {
        result = null;
        var body = text;
        if (body.Length > 1 && (body[0] == 'v' || body[0] == 'V') && char.IsAsciiDigit(body[1]))
        {
            body = body[1..];
        }

        var plus = body.IndexOf('+', StringComparison.Ordinal);
        if (plus >= 0)
        {
            var build = body[(plus + 1)..];
            if (build.Length == 0 || build.Split('.').Any(id => id.Length == 0 || !id.All(IsIdentifierChar)))
            {
                return $"'{text}' has invalid build metadata after '+'";
            }

            body = body[..plus];
        }

        IReadOnlyList<string> prerelease = [];
        var dash = body.IndexOf('-', StringComparison.Ordinal);
        if (dash >= 0)
        {
            var pre = body[(dash + 1)..];
            var ids = pre.Split('.');
            foreach (var id in ids)
            {
                if (id.Length == 0 || !id.All(IsIdentifierChar))
                {
                    return $"'{text}' has an invalid prerelease '{pre}' (use dot-separated letters, digits and '-')";
                }

                if (id.Length > 1 && id[0] == '0' && id.All(char.IsAsciiDigit))
                {
                    return $"'{text}' has a numeric prerelease identifier with a leading zero ('{id}')";
                }
            }

            prerelease = ids;
            body = body[..dash];
        }

        var parts = body.Split('.');
        if (parts.Length > 3)
        {
            return $"'{text}' has {parts.Length} numbers; npm versions have at most three (major.minor.patch)";
        }

        var numbers = new int?[3];
        var sawWildcard = false;
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            if (part is "x" or "X" or "*")
            {
                sawWildcard = true;
                continue;
            }

            if (part.Length == 0 || !part.All(char.IsAsciiDigit))
            {
                return $"'{text}' is not a version (expected numbers or x/X/* separated by dots, like 1.2.3 or 1.x)";
            }

            if (sawWildcard)
            {
                return $"'{text}' has a number after a wildcard; write it as '{string.Join('.', parts.Take(i))}'";
            }

            if (part.Length > 1 && part[0] == '0')
            {
                return $"'{text}' has a number with a leading zero ('{part}')";
            }

            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                return $"'{text}' has a number that is too large ('{part}')";
            }

            numbers[i] = value;
        }

        if (prerelease.Count > 0 && numbers[2] is null)
        {
            return $"'{text}' has a prerelease but not all three numbers; write major.minor.patch-prerelease";
        }

        result = new NpmPartialVersion(numbers[0], numbers[1], numbers[2], prerelease);
        return null;
    }

    /// <summary>Gets the version with missing or wildcard numbers set to zero (and this prerelease, if any).</summary>
    public SemanticVersion Floor() => Create(Major ?? 0, Minor ?? 0, Patch ?? 0, Prerelease);

    /// <summary>Creates a version with an optional prerelease.</summary>
    public static SemanticVersion Create(int major, int minor, int patch, IReadOnlyList<string>? prerelease = null) =>
        prerelease is { Count: > 0 } ? new SemanticVersion(major, minor, patch, prerelease, null) : new SemanticVersion(major, minor, patch);

    /// <summary>Creates the lowest possible prerelease of a version (<c>M.m.p-0</c>), which sorts below every other prerelease of it.</summary>
    public static SemanticVersion Lowest(int major, int minor, int patch) => Create(major, minor, patch, ["0"]);

    private static bool IsIdentifierChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '-';
}
