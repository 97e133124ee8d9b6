using System.Text;

namespace Dhee.Utils;

/// <summary>Crash-safe file writes: data goes to a temporary file beside the target, is flushed, then renamed over it.</summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="contents"/> to <paramref name="path"/> so readers see the old file or the new one, never a mix.</summary>
    public static async ValueTask WriteAllTextAsync(string path, string contents, CancellationToken cancellationToken = default)
    {
        await WriteAsync(path, stream => stream.WriteAsync(Encoding.UTF8.GetBytes(contents), cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes whatever <paramref name="write"/> puts into the stream to <paramref name="path"/>, atomically.</summary>
    public static async ValueTask WriteAsync(string path, Func<Stream, ValueTask> write, CancellationToken cancellationToken = default)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temp = TempPathFor(path);
        try
        {
            var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                await write(stream).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/> atomically.</summary>
    public static async ValueTask CopyAsync(string source, string destination, CancellationToken cancellationToken = default)
    {
        var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (input.ConfigureAwait(false))
        {
            await WriteAsync(destination, output => new ValueTask(input.CopyToAsync(output, cancellationToken)), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A unique temporary name in the same folder as <paramref name="path"/>, so the final rename stays on one file system.</summary>
    public static string TempPathFor(string path) => TempPathFor(path, keepExtension: false);

    /// <summary>
    /// A unique temporary name beside <paramref name="path"/>; with <paramref name="keepExtension"/> it ends in the target's
    /// extension, for tools (ffmpeg) that pick the file format from the name.
    /// </summary>
    public static string TempPathFor(string path, bool keepExtension)
    {
        var full = Path.GetFullPath(path);
        var suffix = keepExtension ? ".tmp" + Path.GetExtension(full) : ".tmp";
        return Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}{suffix}");
    }

    /// <summary>Deletes a file, ignoring a missing file or a failure (used on clean-up paths).</summary>
    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
