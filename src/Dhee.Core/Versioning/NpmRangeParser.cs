namespace Dhee.Versioning;

/// <summary>
/// Turns npm range text into sets of primitive comparators, following node-semver's desugaring
/// (<c>^</c>, <c>~</c>, x-ranges, partial versions, hyphen ranges), once for each prerelease mode.
/// </summary>
internal static class NpmRangeParser
{
    private static readonly string[] Operators = [">=", "<=", ">", "<", "=", "~>", "~", "^"];

    /// <summary>Parses <paramref name="range"/>; returns null on success or what is wrong.</summary>
    /// <param name="range">The range text.</param>
    /// <param name="strict">The comparator sets for ordinary matching.</param>
    /// <param name="includePrerelease">The comparator sets for include-prerelease matching.</param>
    public static string? TryParse(
        string range,
        out IReadOnlyList<IReadOnlyList<NpmComparator>> strict,
        out IReadOnlyList<IReadOnlyList<NpmComparator>> includePrerelease)
    {
        var strictSets = new List<IReadOnlyList<NpmComparator>>();
        var preSets = new List<IReadOnlyList<NpmComparator>>();
        strict = strictSets;
        includePrerelease = preSets;

        foreach (var alternative in range.Split("||"))
        {
            var error = TryParseAlternative(alternative, strictSets, preSets);
            if (error is not null)
            {
                return error;
            }
        }

        return null;
    }

    private static string? TryParseAlternative(string alternative, List<IReadOnlyList<NpmComparator>> strictSets, List<IReadOnlyList<NpmComparator>> preSets)
    {
        var tokens = Tokenize(alternative, out var error);
        if (error is not null)
        {
            return error;
        }

        var strictSet = new List<NpmComparator>();
        var preSet = new List<NpmComparator>();
        if (tokens.Count == 0)
        {
            // npm reads an empty range (or alternative) as '*'.
            strictSet.Add(NpmComparator.Any);
            preSet.Add(new NpmComparator(NpmOperator.GreaterThanOrEqual, NpmPartialVersion.Lowest(0, 0, 0)));
        }
        else if (tokens.Contains("-"))
        {
            if (tokens.Count != 3 || tokens[1] != "-")
            {
                return $"'{alternative.Trim()}' misuses '-': a hyphen range is exactly 'LOW - HIGH', like '1.2.3 - 2.3.4'";
            }

            if (NpmPartialVersion.TryParse(tokens[0], out var from) is { } fromError)
            {
                return fromError;
            }

            if (NpmPartialVersion.TryParse(tokens[2], out var to) is { } toError)
            {
                return toError;
            }

            strictSet.AddRange(Hyphen(from!, to!, includePrerelease: false));
            preSet.AddRange(Hyphen(from!, to!, includePrerelease: true));
        }
        else
        {
            foreach (var token in tokens)
            {
                var op = Operators.FirstOrDefault(o => token.StartsWith(o, StringComparison.Ordinal)) ?? string.Empty;
                var versionText = token[op.Length..];
                if (versionText.Length == 0)
                {
                    return $"operator '{op}' has no version after it";
                }

                if (NpmPartialVersion.TryParse(versionText, out var partial) is { } partialError)
                {
                    return partialError;
                }

                strictSet.AddRange(Desugar(op, partial!, includePrerelease: false));
                preSet.AddRange(Desugar(op, partial!, includePrerelease: true));
            }
        }

        strictSets.Add(strictSet);
        preSets.Add(preSet);
        return null;
    }

    private static List<string> Tokenize(string alternative, out string? error)
    {
        error = null;
        var raw = alternative.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var tokens = new List<string>(raw.Length);
        for (var i = 0; i < raw.Length; i++)
        {
            var token = raw[i];
            if (Operators.Contains(token))
            {
                // npm allows whitespace between an operator and its version: '>= 1.2.3'.
                if (i + 1 >= raw.Length || raw[i + 1] == "-" || Operators.Any(o => raw[i + 1].StartsWith(o, StringComparison.Ordinal)))
                {
                    error = $"operator '{token}' has no version after it";
                    return tokens;
                }

                token += raw[++i];
            }

            tokens.Add(token);
        }

        return tokens;
    }

    private static IEnumerable<NpmComparator> Desugar(string op, NpmPartialVersion v, bool includePrerelease)
    {
        var floorPre = includePrerelease ? (IReadOnlyList<string>)["0"] : null;
        switch (op)
        {
            case "~" or "~>":
                return Tilde(v, floorPre);
            case "^":
                return Caret(v, floorPre);
            case "" or "=":
                return XRange(v, floorPre);
            default:
                return Primitive(op, v, floorPre);
        }
    }

    private static IEnumerable<NpmComparator> XRange(NpmPartialVersion v, IReadOnlyList<string>? floorPre)
    {
        if (v.IsAny)
        {
            return [AnyFor(floorPre)];
        }

        if (v.IsFull)
        {
            return [new NpmComparator(NpmOperator.Equal, v.Floor())];
        }

        var major = v.Major!.Value;
        return v.Minor is null
            ? [Ge(major, 0, 0, floorPre), Lt(major + 1, 0, 0)]
            : [Ge(major, v.Minor.Value, 0, floorPre), Lt(major, v.Minor.Value + 1, 0)];
    }

    private static IEnumerable<NpmComparator> Primitive(string op, NpmPartialVersion v, IReadOnlyList<string>? floorPre)
    {
        if (v.IsAny)
        {
            return op is "<" or ">" ? [NpmComparator.None] : [AnyFor(floorPre)];
        }

        if (v.IsFull)
        {
            var parsed = op switch
            {
                "<" => NpmOperator.LessThan,
                "<=" => NpmOperator.LessThanOrEqual,
                ">" => NpmOperator.GreaterThan,
                _ => NpmOperator.GreaterThanOrEqual,
            };
            return [new NpmComparator(parsed, v.Floor())];
        }

        var major = v.Major!.Value;
        var minorMissing = v.Minor is null;
        var minor = v.Minor ?? 0;
        return op switch
        {
            // >1 is >=2.0.0; >1.2 is >=1.3.0.
            ">" => [minorMissing ? Ge(major + 1, 0, 0, floorPre) : Ge(major, minor + 1, 0, floorPre)],

            // <=1 is <2.0.0-0; <=1.2 is <1.3.0-0.
            "<=" => [minorMissing ? Lt(major + 1, 0, 0) : Lt(major, minor + 1, 0)],
            "<" => [Lt(major, minor, 0)],
            _ => [Ge(major, minor, 0, floorPre)],
        };
    }

    private static IEnumerable<NpmComparator> Tilde(NpmPartialVersion v, IReadOnlyList<string>? floorPre)
    {
        if (v.IsAny)
        {
            return [AnyFor(floorPre)];
        }

        var major = v.Major!.Value;
        if (v.Minor is null)
        {
            return [Ge(major, 0, 0, floorPre), Lt(major + 1, 0, 0)];
        }

        var minor = v.Minor.Value;
        var lower = v.IsFull ? Lower(v) : Ge(major, minor, 0, floorPre);
        return [lower, Lt(major, minor + 1, 0)];
    }

    private static IEnumerable<NpmComparator> Caret(NpmPartialVersion v, IReadOnlyList<string>? floorPre)
    {
        if (v.IsAny)
        {
            return [AnyFor(floorPre)];
        }

        var major = v.Major!.Value;
        if (v.Minor is null)
        {
            return [Ge(major, 0, 0, floorPre), Lt(major + 1, 0, 0)];
        }

        var minor = v.Minor.Value;
        if (v.Patch is null)
        {
            return major == 0
                ? [Ge(0, minor, 0, floorPre), Lt(0, minor + 1, 0)]
                : [Ge(major, minor, 0, floorPre), Lt(major + 1, 0, 0)];
        }

        var patch = v.Patch.Value;
        var lower = v.Prerelease.Count > 0 || major != 0 ? Lower(v) : Ge(0, minor, patch, floorPre);
        if (major != 0)
        {
            return [Lower(v), Lt(major + 1, 0, 0)];
        }

        return minor != 0 ? [lower, Lt(0, minor + 1, 0)] : [lower, Lt(0, 0, patch + 1)];
    }

    private static IEnumerable<NpmComparator> Hyphen(NpmPartialVersion from, NpmPartialVersion to, bool includePrerelease)
    {
        var floorPre = includePrerelease ? (IReadOnlyList<string>)["0"] : null;
        var result = new List<NpmComparator>(2);
        if (!from.IsAny)
        {
            result.Add(from.IsFull && from.Prerelease.Count > 0
                ? Lower(from)
                : Ge(from.Major!.Value, from.Minor ?? 0, from.Patch ?? 0, floorPre));
        }

        if (!to.IsAny)
        {
            if (to.Minor is null)
            {
                result.Add(Lt(to.Major!.Value + 1, 0, 0));
            }
            else if (to.Patch is null)
            {
                result.Add(Lt(to.Major!.Value, to.Minor.Value + 1, 0));
            }
            else if (to.Prerelease.Count > 0 || !includePrerelease)
            {
                result.Add(new NpmComparator(NpmOperator.LessThanOrEqual, to.Floor()));
            }
            else
            {
                result.Add(Lt(to.Major!.Value, to.Minor.Value, to.Patch.Value + 1));
            }
        }

        return result.Count == 0 ? [AnyFor(floorPre)] : result;
    }

    private static NpmComparator AnyFor(IReadOnlyList<string>? floorPre) =>
        floorPre is null ? NpmComparator.Any : Ge(0, 0, 0, floorPre);

    private static NpmComparator Lower(NpmPartialVersion full) => new(NpmOperator.GreaterThanOrEqual, full.Floor());

    private static NpmComparator Ge(int major, int minor, int patch, IReadOnlyList<string>? pre) =>
        new(NpmOperator.GreaterThanOrEqual, NpmPartialVersion.Create(major, minor, patch, pre));

    private static NpmComparator Lt(int major, int minor, int patch) =>
        new(NpmOperator.LessThan, NpmPartialVersion.Lowest(major, minor, patch));
}
