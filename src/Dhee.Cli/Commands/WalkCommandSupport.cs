using System.CommandLine;
using Dhee.Walking;

namespace Dhee.Cli.Commands;

/// <summary>Options and formatting shared by the walk verbs (run, status, nodes, inspect, stop, invalidate, plan).</summary>
internal static class WalkCommandSupport
{
    /// <summary>Creates the <c>--project</c> option (default: the current folder).</summary>
    public static Option<string> ProjectOption() => new("--project", "-p")
    {
        Description = "The project folder (outputs and .dhee/ state). Default: the current folder.",
        DefaultValueFactory = _ => ".",
    };

    /// <summary>Formats a node instance as <c>node</c> or <c>node[item]</c>.</summary>
    public static string Label(string nodeId, string? itemId) => itemId is null ? nodeId : $"{nodeId}[{itemId}]";

    /// <summary>A lower-case status word.</summary>
    public static string Word(WalkStateStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>Parses sizes like <c>10GB</c>, <c>500 MiB</c>, <c>1024</c> (bytes).</summary>
    public static bool TryParseSize(string text, out long bytes)
    {
        bytes = 0;
        var t = text.Trim().ToUpperInvariant().Replace(" ", string.Empty, StringComparison.Ordinal);
        var units = new (string Suffix, long Factor)[]
        {
            ("TIB", 1L << 40), ("GIB", 1L << 30), ("MIB", 1L << 20), ("KIB", 1L << 10),
            ("TB", 1_000_000_000_000), ("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1_000),
            ("T", 1L << 40), ("G", 1L << 30), ("M", 1L << 20), ("K", 1L << 10), ("B", 1),
        };
        foreach (var (suffix, factor) in units)
        {
            if (t.EndsWith(suffix, StringComparison.Ordinal))
            {
                if (decimal.TryParse(t[..^suffix.Length], System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= 0)
                {
                    bytes = (long)(n * factor);
                    return true;
                }

                return false;
            }
        }

        return long.TryParse(t, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out bytes);
    }

    /// <summary>Formats a byte count for people.</summary>
    public static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.##} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.##} MiB",
        >= 1L << 10 => $"{bytes / (double)(1L << 10):0.##} KiB",
        _ => $"{bytes} B",
    };
}
