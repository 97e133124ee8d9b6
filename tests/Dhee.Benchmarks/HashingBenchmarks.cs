using System.Diagnostics;
using System.Security.Cryptography;
using Dhee.Caching;

namespace Dhee.Benchmarks;

/// <summary>Cache-key file hashing throughput against <see cref="SHA256.HashData(byte[])"/> on an in-memory buffer, same run.</summary>
internal static class HashingBenchmarks
{
    public static async Task RunAsync(BenchmarkReport report)
    {
        var size = report.IsShort ? 64L << 20 : 1L << 30;
        var buffer = GC.AllocateUninitializedArray<byte>((int)Math.Min(size, int.MaxValue - 64));
        new Random(5).NextBytes(buffer);
        var path = Path.Combine(Path.GetTempPath(), $"dhee-hash-{Guid.NewGuid():N}.bin");
        try
        {
            await File.WriteAllBytesAsync(path, buffer);
            _ = await FileContentHasher.HashFileAsync(path, default); // warm the page cache and the JIT
            _ = SHA256.HashData(buffer.AsSpan(0, 1 << 20));

            double best = 0, bestMemory = 0;
            string? fileHash = null, memoryHash = null;
            for (var round = 0; round < 3; round++)
            {
                var clock = Stopwatch.StartNew();
                memoryHash = Convert.ToHexStringLower(SHA256.HashData(buffer));
                bestMemory = Math.Max(bestMemory, buffer.Length / clock.Elapsed.TotalSeconds);
                clock.Restart();
                fileHash = await FileContentHasher.HashFileAsync(path, default);
                best = Math.Max(best, buffer.Length / clock.Elapsed.TotalSeconds);
            }

            var ratio = best / bestMemory;
            report.Add(new BenchmarkRow("#3", $"cache: hash a {buffer.Length >> 20} MiB input file (best of 3)", "≥ 0.80× in-memory SHA-256",
                $"{best / (1 << 20):0} MiB/s", $"SHA256.HashData on an in-memory buffer: {bestMemory / (1 << 20):0} MiB/s", ratio, ratio >= 0.8, fileHash == memoryHash));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
