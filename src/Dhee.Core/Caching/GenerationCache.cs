using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dhee.Diagnostics;
using Dhee.Utils;

namespace Dhee.Caching;

/// <summary>
/// The content-addressed generation cache on disk: each entry is <c>&lt;root&gt;/&lt;aa&gt;/&lt;hash&gt;.&lt;ext&gt;</c> plus a
/// <c>&lt;hash&gt;.meta.json</c> sidecar holding the content's length, SHA-256 and the runner's metadata.
/// </summary>
/// <remarks>
/// <para>Puts write to a temporary file in the entry's folder, flush it to disk and rename it into place, so readers in any
/// process see a whole entry or none; the sidecar is written last, so an entry without one is invisible. A partial or
/// corrupt entry (length or, with <see cref="CacheVerification.Hash"/>, content hash differing from the sidecar) is a miss.</para>
/// <para>Hits are hard-linked into the project when the file system allows it, else copied, atomically either way. Stored
/// content is made read-only on Unix so an in-place edit of a linked project file cannot corrupt the cache.</para>
/// <para>Every use marks the entry's access time; <see cref="CollectGarbageAsync"/> removes least recently used entries first.</para>
/// </remarks>
public sealed class GenerationCache : IGenerationCache
{
    private const string MetaSuffix = ".meta.json";
    private static readonly JsonSerializerOptions MetaJson = new() { WriteIndented = false };
    private readonly FileContentHasher _hasher = new();
    private readonly TimeProvider _timeProvider;
    private readonly bool _hardLinks;

    private GenerationCache(string root, bool enabled, CacheVerification verification, bool hardLinks, TimeProvider timeProvider)
    {
        Root = root;
        IsEnabled = enabled;
        Verification = verification;
        _hardLinks = hardLinks;
        _timeProvider = timeProvider;
    }

    /// <summary>Gets a cache that never hits and never stores (keys are still computed).</summary>
    public static GenerationCache Disabled { get; } = new(string.Empty, false, CacheVerification.Size, false, TimeProvider.System);

    /// <summary>Gets the cache folder; empty for <see cref="Disabled"/>.</summary>
    public string Root { get; }

    /// <inheritdoc/>
    public bool IsEnabled { get; }

    /// <summary>Gets how entries are checked before they are served.</summary>
    public CacheVerification Verification { get; }

    /// <summary>Gets how many files were read to compute keys (memoised reads excluded); useful for diagnostics.</summary>
    public int FilesHashed => _hasher.FilesHashed;

    /// <summary>
    /// Opens the cache: the folder is <see cref="GenerationCacheOptions.Root"/>, else <c>DHEE_CACHE_ROOT</c>, else
    /// <c>~/.dhee/cache</c>; <c>DHEE_DISABLE_CAS=1</c> returns a disabled cache.
    /// </summary>
    /// <param name="options">Options, or null for the defaults.</param>
    /// <returns>The cache.</returns>
    public static GenerationCache Open(GenerationCacheOptions? options = null)
    {
        options ??= new GenerationCacheOptions();
        var disable = Environment.GetEnvironmentVariable(GenerationCacheOptions.DisableEnvironmentVariable);
        var disabledByEnv = disable is not null && (disable.Trim() == "1" || disable.Trim().Equals("true", StringComparison.OrdinalIgnoreCase));
        var root = options.Root;
        if (string.IsNullOrWhiteSpace(root))
        {
            root = Environment.GetEnvironmentVariable(GenerationCacheOptions.RootEnvironmentVariable);
        }

        if (string.IsNullOrWhiteSpace(root))
        {
            root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dhee", "cache");
        }

        return new GenerationCache(Path.GetFullPath(root), options.Enabled && !disabledByEnv, options.Verification, options.HardLinks, options.TimeProvider);
    }

    /// <inheritdoc/>
    public async ValueTask<string> ComputeHashAsync(InputsHashKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var files = new JsonObject();
        foreach (var (name, path) in key.Files.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            files[name] = new JsonObject { ["sha256"] = await _hasher.HashAsync(Path.GetFullPath(path), cancellationToken).ConfigureAwait(false) };
        }

        var canonical = new JsonObject
        {
            ["tool"] = key.Tool,
            ["toolVersion"] = key.ToolVersion,
            ["inputs"] = key.Inputs?.DeepClone(),
            ["config"] = key.Config?.DeepClone(),
            ["seed"] = key.Seed,
            ["files"] = files,
        };
        return CanonicalJson.Sha256Hex(canonical);
    }

    /// <inheritdoc/>
    public async ValueTask<CacheEntry?> TryGetAsync(string hash, CancellationToken cancellationToken = default)
    {
        ValidateHash(hash);
        if (!IsEnabled)
        {
            return null;
        }

        var entry = await LookUpAsync(hash, cancellationToken).ConfigureAwait(false);
        (entry is null ? DheeTelemetry.CacheMisses : DheeTelemetry.CacheHits).Add(1);
        return entry;
    }

    private async ValueTask<CacheEntry?> LookUpAsync(string hash, CancellationToken cancellationToken)
    {
        var entry = ReadEntry(hash, out var expectedSha);
        if (entry is null)
        {
            return null;
        }

        if (Verification == CacheVerification.Hash)
        {
            string actual;
            try
            {
                actual = await FileContentHasher.HashFileAsync(entry.ContentPath, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException)
            {
                return null;
            }

            if (!string.Equals(actual, expectedSha, StringComparison.Ordinal))
            {
                return null;
            }
        }

        Touch(entry.ContentPath);
        return entry;
    }

    /// <inheritdoc/>
    public async ValueTask<CacheEntry?> PutAsync(string hash, string sourcePath, JsonObject? metadata = null, CancellationToken cancellationToken = default)
    {
        ValidateHash(hash);
        ArgumentException.ThrowIfNullOrWhiteSpace(sourcePath);
        if (!IsEnabled)
        {
            return null;
        }

        // First complete writer wins: an entry that already verifies is kept, so concurrent puts cannot mix content and sidecar.
        var existing = ReadEntry(hash, out _);
        if (existing is not null)
        {
            return existing;
        }

        var ext = Path.GetExtension(sourcePath).TrimStart('.').ToLowerInvariant();
        var directory = Path.Combine(Root, hash[..2]);
        Directory.CreateDirectory(directory);
        var contentPath = ContentPathFor(directory, hash, ext);
        var temp = AtomicFile.TempPathFor(contentPath);
        string sha;
        long length;
        try
        {
            using (var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                var input = new FileStream(sourcePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
                await using (input.ConfigureAwait(false))
                {
                    var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
                    await using (output.ConfigureAwait(false))
                    {
                        var buffer = new byte[1 << 20];
                        int read;
                        while ((read = await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                        {
                            sha256.AppendData(buffer, 0, read);
                            await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                        }

                        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                        output.Flush(flushToDisk: true);
                        length = output.Length;
                    }
                }

                sha = Convert.ToHexStringLower(sha256.GetHashAndReset());
            }

            MakeReadOnly(temp);
            File.Move(temp, contentPath, overwrite: true);
        }
        catch
        {
            AtomicFile.TryDelete(temp);
            throw;
        }

        var meta = new JsonObject
        {
            ["ext"] = ext,
            ["length"] = length,
            ["sha256"] = sha,
            ["storedAt"] = _timeProvider.GetUtcNow().ToString("O"),
            ["metadata"] = metadata?.DeepClone() ?? new JsonObject(),
        };
        await AtomicFile.WriteAllTextAsync(Path.Combine(directory, hash + MetaSuffix), meta.ToJsonString(MetaJson), cancellationToken).ConfigureAwait(false);
        return new CacheEntry(hash, contentPath, ext, length, metadata?.DeepClone().AsObject() ?? []);
    }

    /// <inheritdoc/>
    public async ValueTask RestoreAsync(CacheEntry entry, string destinationPath, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentException.ThrowIfNullOrWhiteSpace(destinationPath);
        var destination = Path.GetFullPath(destinationPath);
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        if (_hardLinks)
        {
            var temp = AtomicFile.TempPathFor(destination);
            if (HardLink.TryCreate(entry.ContentPath, temp))
            {
                try
                {
                    File.Move(temp, destination, overwrite: true);
                    Touch(entry.ContentPath);
                    return;
                }
                catch
                {
                    AtomicFile.TryDelete(temp);
                    throw;
                }
            }
        }

        await AtomicFile.CopyAsync(entry.ContentPath, destination, cancellationToken).ConfigureAwait(false);
        Touch(entry.ContentPath);
    }

    /// <summary>Counts the complete entries and the bytes they use.</summary>
    /// <param name="cancellationToken">Cancels the scan.</param>
    /// <returns>The statistics.</returns>
    public ValueTask<CacheStats> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        var entries = Scan(cancellationToken, out _);
        DateTimeOffset? oldest = entries.Count == 0 ? null : entries.Min(e => e.LastAccess);
        return ValueTask.FromResult(new CacheStats(Root, entries.Count, entries.Sum(e => e.Bytes), oldest));
    }

    /// <summary>
    /// Deletes broken entries and abandoned temporary files, then least recently used entries until the cache uses at
    /// most <paramref name="maxBytes"/>.
    /// </summary>
    /// <param name="maxBytes">The size to shrink to; 0 empties the cache.</param>
    /// <param name="cancellationToken">Cancels the collection between entries.</param>
    /// <returns>What was removed and what remains.</returns>
    public ValueTask<CacheGcResult> CollectGarbageAsync(long maxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        var entries = Scan(cancellationToken, out var broken);
        var removed = 0;
        long freed = 0;
        foreach (var path in broken)
        {
            freed += SizeOf(path);
            AtomicFile.TryDelete(path);
            removed++;
        }

        var total = entries.Sum(e => e.Bytes);
        var remaining = entries.Count;
        foreach (var entry in entries.OrderBy(e => e.LastAccess))
        {
            if (total <= maxBytes)
            {
                break;
            }

            cancellationToken.ThrowIfCancellationRequested();
            AtomicFile.TryDelete(entry.MetaPath); // the sidecar first: without it the entry is invisible
            AtomicFile.TryDelete(entry.ContentPath);
            total -= entry.Bytes;
            freed += entry.Bytes;
            remaining--;
            removed++;
        }

        return ValueTask.FromResult(new CacheGcResult(removed, freed, total, remaining));
    }

    private CacheEntry? ReadEntry(string hash, out string? sha)
    {
        sha = null;
        var directory = Path.Combine(Root, hash[..2]);
        var metaPath = Path.Combine(directory, hash + MetaSuffix);
        if (!TryReadMeta(metaPath, out var meta))
        {
            return null;
        }

        var ext = meta["ext"]?.GetValue<string>() ?? string.Empty;
        var length = meta["length"]?.GetValue<long>() ?? -1;
        sha = meta["sha256"]?.GetValue<string>();
        var contentPath = ContentPathFor(directory, hash, ext);
        var info = new FileInfo(contentPath);
        if (!info.Exists || info.Length != length || sha is null)
        {
            return null;
        }

        var metadata = meta["metadata"] as JsonObject ?? [];
        return new CacheEntry(hash, contentPath, ext, length, (JsonObject)metadata.DeepClone());
    }

    private static bool TryReadMeta(string metaPath, out JsonObject meta)
    {
        meta = [];
        try
        {
            if (!File.Exists(metaPath) || JsonNode.Parse(File.ReadAllText(metaPath)) is not JsonObject parsed)
            {
                return false;
            }

            _ = parsed["ext"]?.GetValue<string>();
            _ = parsed["length"]?.GetValue<long>();
            meta = parsed;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidOperationException or FormatException)
        {
            return false;
        }
    }

    private List<ScannedEntry> Scan(CancellationToken cancellationToken, out List<string> broken)
    {
        var entries = new List<ScannedEntry>();
        broken = [];
        if (!IsEnabled || !Directory.Exists(Root))
        {
            return entries;
        }

        var staleBefore = _timeProvider.GetUtcNow().UtcDateTime.AddHours(-1);
        foreach (var directory in Directory.EnumerateDirectories(Root))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var claimed = new HashSet<string>(StringComparer.Ordinal);
            foreach (var metaPath in Directory.EnumerateFiles(directory, "*" + MetaSuffix))
            {
                var hash = Path.GetFileName(metaPath)[..^MetaSuffix.Length];
                if (!TryReadMeta(metaPath, out var meta))
                {
                    broken.Add(metaPath);
                    continue;
                }

                var contentPath = ContentPathFor(directory, hash, meta["ext"]?.GetValue<string>() ?? string.Empty);
                var content = new FileInfo(contentPath);
                claimed.Add(metaPath);
                if (!content.Exists || content.Length != (meta["length"]?.GetValue<long>() ?? -1))
                {
                    broken.Add(metaPath);
                    continue;
                }

                claimed.Add(contentPath);
                var metaInfo = new FileInfo(metaPath);
                var access = content.LastAccessTimeUtc > metaInfo.LastWriteTimeUtc ? content.LastAccessTimeUtc : metaInfo.LastWriteTimeUtc;
                entries.Add(new ScannedEntry(contentPath, metaPath, content.Length + metaInfo.Length, new DateTimeOffset(access, TimeSpan.Zero)));
            }

            // Content without a sidecar, and temporary files, are leftovers of interrupted puts once they are an hour old.
            foreach (var file in Directory.EnumerateFiles(directory))
            {
                if (!claimed.Contains(file) && !file.EndsWith(MetaSuffix, StringComparison.Ordinal) && File.GetLastWriteTimeUtc(file) < staleBefore)
                {
                    broken.Add(file);
                }
            }
        }

        return entries;
    }

    private void Touch(string contentPath)
    {
        try
        {
            File.SetLastAccessTimeUtc(contentPath, _timeProvider.GetUtcNow().UtcDateTime);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Access times only order garbage collection; a failure to record one is harmless.
        }
    }

    private static void MakeReadOnly(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
    }

    private static long SizeOf(string path)
    {
        try
        {
            return new FileInfo(path).Length;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static string ContentPathFor(string directory, string hash, string ext)
        => Path.Combine(directory, ext.Length == 0 ? hash : $"{hash}.{ext}");

    private static void ValidateHash(string hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        if (hash.Length != 64 || !hash.All(char.IsAsciiHexDigitLower))
        {
            throw new ArgumentException($"'{hash}' is not a cache key: expected 64 lowercase hex characters from ComputeHashAsync.", nameof(hash));
        }
    }

    private sealed record ScannedEntry(string ContentPath, string MetaPath, long Bytes, DateTimeOffset LastAccess);
}
