using System.Diagnostics;
using System.Security.Cryptography;
using Dhee.Caching;

namespace Dhee.Benchmarks;

/// <summary>Cache-key file hashing throughput against <see cref="SHA256.HashData(byte[])"/> on an in-memory buffer, same run.</summary>
internal static class HashingBenchmarks
{
    public static async Task<bool> RunAsync(bool isShort)
    {
        var size = isShort ? 64L << 20 : 1L << 30;
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
            Console.WriteLine($"  hash {buffer.Length >> 20} MiB file: {best / (1 << 20):0} MiB/s vs SHA256.HashData in memory {bestMemory / (1 << 20):0} MiB/s → ratio {ratio:0.00} (target ≥ 0.80) {(ratio >= 0.8 ? "OK" : "UNDER")}");
            return fileHash == memoryHash;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
