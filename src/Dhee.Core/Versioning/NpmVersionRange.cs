using System.Diagnostics.CodeAnalysis;
using NuGet.Versioning;

namespace Dhee.Versioning;

// TEMPORARY stand-in written by the plugins branch so it compiles before the foundation branch lands.
// The foundation branch owns this type (agreed API in BRIEF.md); take its version on merge and delete this file.

/// <summary>An npm-style version range (stand-in until the foundation implementation lands).</summary>
public sealed class NpmVersionRange
{
    private readonly List<List<(string Op, SemanticVersion Version)>> _alternatives;

    private NpmVersionRange(string original, List<List<(string Op, SemanticVersion Version)>> alternatives)
    {
        OriginalString = original;
        _alternatives = alternatives;
    }

    /// <summary>Gets the range as written.</summary>
    public string OriginalString { get; }

    /// <summary>Parses a range.</summary>
    /// <param name="range">The range text.</param>
    /// <returns>The range.</returns>
    /// <exception cref="FormatException">The range is not valid.</exception>
    public static NpmVersionRange Parse(string range)
        => TryParse(range, out var result, out var error) ? result : throw new FormatException(error);

    /// <summary>Tries to parse a range.</summary>
    /// <param name="range">The range text.</param>
    /// <param name="result">The range, on success.</param>
    /// <param name="error">What is wrong, on failure.</param>
    /// <returns>True on success.</returns>
    public static bool TryParse(string range, [NotNullWhen(true)] out NpmVersionRange? result, [NotNullWhen(false)] out string? error)
    {
        result = null;
        error = null;
        if (range is null)
        {
            error = "the range is null";
            return false;
        }

        var alternatives = new List<List<(string, SemanticVersion)>>();
        foreach (var alt in range.Split("||"))
        {
            var comparators = new List<(string, SemanticVersion)>();
            var tokens = alt.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (tokens.Length == 3 && tokens[1] == "-")
            {
                if (!Partial(tokens[0], out var lo, out _) || !Partial(tokens[2], out var hi, out var hiParts))
                {
                    error = $"'{range}' is not a valid range";
                    return false;
                }

                comparators.Add((">=", lo));
                comparators.Add(hiParts == 3 ? ("<=", hi) : ("<", Bump(hi, hiParts)));
                alternatives.Add(comparators);
                continue;
            }

            foreach (var token in tokens.Length == 0 ? ["*"] : tokens)
            {
                var op = new string(token.TakeWhile(c => c is '<' or '>' or '=' or '^' or '~').ToArray());
                var text = token[op.Length..].TrimStart('v');
                if (!Partial(text, out var v, out var parts))
                {
                    error = $"'{range}' is not a valid range: '{token}'";
                    return false;
                }

                switch (op)
                {
                    case "" or "=":
                        if (parts == 3) { comparators.Add(("=", v)); }
                        else if (parts > 0) { comparators.Add((">=", v)); comparators.Add(("<", Bump(v, parts))); }
                        break;
                    case "^":
                        comparators.Add((">=", v));
                        comparators.Add(("<", v.Major > 0 || parts == 1 ? new SemanticVersion(v.Major + 1, 0, 0, "0")
                            : v.Minor > 0 || parts == 2 ? new SemanticVersion(0, v.Minor + 1, 0, "0") : new SemanticVersion(0, 0, v.Patch + 1, "0")));
                        break;
                    case "~":
                        comparators.Add((">=", v));
                        comparators.Add(("<", Bump(v, parts == 1 ? 1 : 2)));
                        break;
                    case ">=" or "<=" or ">" or "<":
                        comparators.Add((op, v));
                        break;
                    default:
                        error = $"'{range}' has an unknown operator '{op}'";
                        return false;
                }
            }

            alternatives.Add(comparators);
        }

        result = new NpmVersionRange(range, alternatives);
        return true;
    }

    /// <summary>Tells whether <paramref name="version"/> is in the range.</summary>
    /// <param name="version">The version.</param>
    /// <param name="includePrerelease">Whether prereleases match without a same-tuple comparator.</param>
    /// <returns>True when it is.</returns>
    public bool IsSatisfiedBy(SemanticVersion version, bool includePrerelease = false)
    {
        ArgumentNullException.ThrowIfNull(version);
        foreach (var alt in _alternatives)
        {
            var ok = alt.All(c => c.Op switch
            {
                "=" => VersionComparer.VersionRelease.Compare(version, c.Version) == 0,
                ">=" => VersionComparer.VersionRelease.Compare(version, c.Version) >= 0,
                ">" => VersionComparer.VersionRelease.Compare(version, c.Version) > 0,
                "<=" => VersionComparer.VersionRelease.Compare(version, c.Version) <= 0,
                _ => VersionComparer.VersionRelease.Compare(version, c.Version) < 0,
            });
            if (ok && (includePrerelease || !version.IsPrerelease
                || alt.Any(c => c.Version.IsPrerelease && c.Version.Major == version.Major && c.Version.Minor == version.Minor && c.Version.Patch == version.Patch)))
            {
                return true;
            }
        }

        return false;
    }

    private static SemanticVersion Bump(SemanticVersion v, int parts)
        => parts <= 1 ? new SemanticVersion(v.Major + 1, 0, 0, "0") : new SemanticVersion(v.Major, v.Minor + 1, 0, "0");

    private static bool Partial(string text, [NotNullWhen(true)] out SemanticVersion? version, out int parts)
    {
        version = null;
        parts = 0;
        if (text is "*" or "x" or "X" or "")
        {
            version = new SemanticVersion(0, 0, 0);
            return true;
        }

        var core = text.Split('-', '+')[0].Split('.');
        var nums = new int[3];
        foreach (var piece in core)
        {
            if (piece is "x" or "X" or "*")
            {
                break;
            }

            if (parts >= 3 || !int.TryParse(piece, out nums[parts]))
            {
                return false;
            }

            parts++;
        }

        if (parts == 3)
        {
            return SemanticVersion.TryParse(text, out version);
        }

        version = new SemanticVersion(nums[0], nums[1], nums[2]);
        return true;
    }
}
