using System.CommandLine;
using System.Globalization;
using Dhee.Caching;
using Dhee.Cli.Hosting;

namespace Dhee.Cli.Commands;

/// <summary><c>dhee cache stats|gc</c>: inspects and trims the content-addressed generation cache.</summary>
internal static class CacheCommand
{
    internal static Command Create()
    {
        var stats = new Command("stats", "Show the cache root, entry count and size.");
        stats.WithExamples("dhee cache stats", "DHEE_CACHE_ROOT=/data/cache dhee cache stats --json");
        stats.SetHandler(async context =>
        {
            var cache = GenerationCache.Open();
            if (!cache.IsEnabled)
            {
                return context.Fail("the cache is disabled (DHEE_DISABLE_CAS=1)", "unset DHEE_DISABLE_CAS to use the cache");
            }

            var result = await cache.GetStatsAsync(context.CancellationToken).ConfigureAwait(false);
            if (context.Json)
            {
                context.WriteJson(result);
            }
            else
            {
                context.Out.WriteLine($"root:     {result.Root}");
                context.Out.WriteLine($"entries:  {result.EntryCount}");
                context.Out.WriteLine($"size:     {FormatBytes(result.TotalBytes)}");
                context.Out.WriteLine($"oldest:   {result.OldestAccessUtc?.ToString("u", CultureInfo.InvariantCulture) ?? "-"}");
            }

            return ExitCodes.Ok;
        });

        var maxSizeOption = new Option<string>("--max-size") { Description = "Trim least recently used entries until the cache is at most this size (e.g. 10GB, 500MB, 0).", Required = true };
        var gc = new Command("gc", "Remove least recently used entries until the cache fits --max-size.") { maxSizeOption };
        gc.WithExamples("dhee cache gc --max-size 10GB");
        gc.SetHandler(async context =>
        {
            if (!TryParseSize(context.GetValue(maxSizeOption)!, out var maxBytes))
            {
                return context.Fail($"--max-size '{context.GetValue(maxSizeOption)}' is not a size", "write a number with an optional unit: 500MB, 10GB, 1TB", ExitCodes.Usage);
            }

            var cache = GenerationCache.Open();
            if (!cache.IsEnabled)
            {
                return context.Fail("the cache is disabled (DHEE_DISABLE_CAS=1)", "unset DHEE_DISABLE_CAS to use the cache");
            }

            var result = await cache.CollectGarbageAsync(maxBytes, context.CancellationToken).ConfigureAwait(false);
            if (context.Json)
            {
                context.WriteJson(result);
            }
            else
            {
                context.Out.WriteLine($"Removed {result.RemovedEntries} entries ({FormatBytes(result.FreedBytes)}); {result.RemainingEntries} remain ({FormatBytes(result.RemainingBytes)}).");
            }

            return ExitCodes.Ok;
        });

        var command = new Command("cache", "Inspect and trim the content-addressed generation cache (~/.dhee/cache or DHEE_CACHE_ROOT).") { stats, gc };
        command.WithExamples("dhee cache stats", "dhee cache gc --max-size 10GB");
        return command;
    }

    /// <summary>Parses sizes such as <c>10GB</c>, <c>500 MB</c>, <c>1.5g</c> or a plain byte count (binary multiples).</summary>
    internal static bool TryParseSize(string text, out long bytes)
    {
        bytes = 0;
        var trimmed = text.Trim().ToUpperInvariant().Replace(" ", string.Empty, StringComparison.Ordinal);
        var units = new (string Suffix, long Factor)[] { ("TB", 1L << 40), ("T", 1L << 40), ("GB", 1L << 30), ("G", 1L << 30), ("MB", 1L << 20), ("M", 1L << 20), ("KB", 1L << 10), ("K", 1L << 10), ("B", 1) };
        long factor = 1;
        foreach (var (suffix, f) in units)
        {
            if (trimmed.EndsWith(suffix, StringComparison.Ordinal))
            {
                trimmed = trimmed[..^suffix.Length];
                factor = f;
                break;
            }
        }

        if (!decimal.TryParse(trimmed, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number) || number < 0)
        {
            return false;
        }

        bytes = (long)(number * factor);
        return true;
    }

    private static string FormatBytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.##} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.##} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:0.##} KiB",
        _ => $"{bytes} B",
    };
}
