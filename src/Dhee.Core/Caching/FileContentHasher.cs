using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Dhee.Caching;

/// <summary>
/// SHA-256 of file contents, memoised by full path, length and last-write time so a file is read once per walk
/// however many cache keys name it. Reads overlap hashing (double buffering) to keep up with in-memory hashing speed.
/// </summary>
internal sealed class FileContentHasher
{
    private const int BufferSize = 1 << 20;
    private readonly ConcurrentDictionary<(string Path, long Length, long Ticks), string> _memo = new();

    /// <summary>Gets how many files were actually read (not served from the memo); for tests.</summary>
    public int FilesHashed => _filesHashed;

    private int _filesHashed;

    /// <summary>Returns the lowercase hex SHA-256 of the file's bytes.</summary>
    public async ValueTask<string> HashAsync(string path, CancellationToken cancellationToken)
    {
        var key = KeyOf(path);
        if (_memo.TryGetValue(key, out var known))
        {
            return known;
        }

        return Remember(key, await HashFileAsync(key.Path, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Returns the lowercase hex SHA-256 of the file's bytes, reading it synchronously (small files such as a bundle's templates).</summary>
    public string Hash(string path)
    {
        var key = KeyOf(path);
        if (_memo.TryGetValue(key, out var known))
        {
            return known;
        }

        using var stream = new FileStream(key.Path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.SequentialScan);
        return Remember(key, Convert.ToHexStringLower(SHA256.HashData(stream)));
    }

    private static (string Path, long Length, long Ticks) KeyOf(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"Cannot hash '{path}' for a cache key: the file does not exist. Make sure the node that produces it ran, or fix the path.", path);
        }

        return (info.FullName, info.Length, info.LastWriteTimeUtc.Ticks);
    }

    private string Remember((string Path, long Length, long Ticks) key, string hash)
    {
        Interlocked.Increment(ref _filesHashed);
        _memo[key] = hash;
        return hash;
    }

    /// <summary>Hashes a file without the memo.</summary>
    public static async ValueTask<string> HashFileAsync(string path, CancellationToken cancellationToken)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, FileOptions.SequentialScan);
        return await HashHandleAsync(handle, cancellationToken).ConfigureAwait(false);
    }

    private static async ValueTask<string> HashHandleAsync(SafeFileHandle handle, CancellationToken cancellationToken)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var current = new byte[BufferSize];
        var next = new byte[BufferSize];
        long offset = 0;
        var read = RandomAccess.Read(handle, current, offset);
        while (read > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            offset += read;
            var readOffset = offset;
            var buffer = next;
            var pending = Task.Run(() => RandomAccess.Read(handle, buffer, readOffset), cancellationToken);
            sha.AppendData(current, 0, read);
            read = await pending.ConfigureAwait(false);
            (current, next) = (next, current);
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
