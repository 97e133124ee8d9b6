using System.CommandLine;
using Dhee.Caching;
using Dhee.Cli.Hosting;

namespace Dhee.Cli.Commands;

/// <summary><c>dhee cache stats|gc</c>: inspect and shrink the content-addressed generation cache.</summary>
internal static class CacheCommand
{
    internal static Command Create()
    {
        var root = new Option<string?>("--root") { Description = "The cache folder. Default: DHEE_CACHE_ROOT, else ~/.dhee/cache.", Recursive = true };
        var stats = new Command("stats", "Count the cache's entries and the space they use.");
        stats.SetHandler(async context =>
        {
            var cache = Open(context.GetValue(root));
            var s = await cache.GetStatsAsync(context.CancellationToken).ConfigureAwait(false);
            if (context.Json)
            {
                context.WriteJson(new { s.Root, enabled = cache.IsEnabled, s.EntryCount, s.TotalBytes, s.OldestAccessUtc });
            }
            else
            {
                context.Out.WriteLine(cache.IsEnabled
                    ? $"{s.Root}: {s.EntryCount} entries, {WalkCommandSupport.Bytes(s.TotalBytes)}{(s.OldestAccessUtc is { } oldest ? $", least recently used {oldest:u}" : string.Empty)}"
                    : "The cache is disabled (DHEE_DISABLE_CAS=1).");
            }

            return ExitCodes.Ok;
        });

        var maxSize = new Option<string>("--max-size") { Description = "The size to shrink to, for example 10GB or 500MiB.", Required = true };
        var gc = new Command("gc", "Delete broken entries, then least recently used entries until the cache fits in --max-size.") { maxSize };
        gc.SetHandler(async context =>
        {
            var text = context.GetValue(maxSize) ?? string.Empty;
            if (!WalkCommandSupport.TryParseSize(text, out var bytes))
            {
                return context.Fail($"--max-size '{text}' is not a size", "use a number with a unit, for example 10GB, 500MB or 2GiB", ExitCodes.Usage);
            }

            var result = await Open(context.GetValue(root)).CollectGarbageAsync(bytes, context.CancellationToken).ConfigureAwait(false);
            if (context.Json)
            {
                context.WriteJson(new { ok = true, result.RemovedEntries, result.FreedBytes, result.RemainingBytes, result.RemainingEntries });
            }
            else
            {
                context.Out.WriteLine($"Removed {result.RemovedEntries} entries ({WalkCommandSupport.Bytes(result.FreedBytes)}); {result.RemainingEntries} entries, {WalkCommandSupport.Bytes(result.RemainingBytes)} remain.");
            }

            return ExitCodes.Ok;
        });

        var command = new Command("cache", "Inspect or shrink the generation cache.") { root, stats, gc };
        command.WithExamples("dhee cache stats", "dhee cache gc --max-size 10GB");
        return command;
    }

    private static GenerationCache Open(string? root) => GenerationCache.Open(new GenerationCacheOptions { Root = root });
}
