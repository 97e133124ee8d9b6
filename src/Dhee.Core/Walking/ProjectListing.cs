using System.IO.Enumeration;

namespace Dhee.Walking;

/// <summary>
/// Answers "does this output exist" for a walk's coordinating loop. A re-walk checks every recorded output, and one stat
/// per output costs more than the rest of a large re-walk's work, so a folder asked about often is listed once and
/// answered from the listing, without building a path per question. A listing is a snapshot: a name it lacks is still
/// checked on disk, which also covers files written during the walk and names that differ only in case on
/// case-insensitive disks.
/// </summary>
internal sealed class ProjectListing(string projectDir)
{
    // Below this many questions about one folder, single stats are cheaper than listing it.
    private const int ListAfter = 16;
    private readonly Dictionary<string, Folder> _folders = new(StringComparer.Ordinal);

    /// <summary>Tells whether a file (not a folder) exists at <paramref name="relativePath"/> under the project.</summary>
    public bool FileExists(string relativePath)
    {
        if (Path.IsPathRooted(relativePath))
        {
            return File.Exists(relativePath);
        }

        var path = relativePath.AsSpan();
        var split = path.LastIndexOfAny(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        var folderPart = split < 0 ? [] : path[..split];
        var name = path[(split + 1)..];
        var lookup = _folders.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!lookup.TryGetValue(folderPart, out var folder))
        {
            folder = new Folder(Path.Join(projectDir, folderPart));
            lookup[folderPart] = folder;
        }

        if (folder.Names is null && ++folder.Questions > ListAfter)
        {
            folder.Names = List(folder.FullPath);
        }

        return folder.Names?.GetAlternateLookup<ReadOnlySpan<char>>().Contains(name) == true || File.Exists(Path.Join(projectDir, relativePath));
    }

    private static HashSet<string> List(string folderPath)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            var files = new FileSystemEnumerable<string>(folderPath, static (ref FileSystemEntry entry) => entry.FileName.ToString(),
                new EnumerationOptions { IgnoreInaccessible = true, AttributesToSkip = 0 })
            {
                ShouldIncludePredicate = static (ref FileSystemEntry entry) => !entry.IsDirectory,
            };
            names.UnionWith(files);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An unreadable or missing folder lists as empty: every question about it falls back to a stat.
        }

        return names;
    }

    private sealed class Folder(string fullPath)
    {
        public string FullPath { get; } = fullPath;

        public int Questions { get; set; }

        public HashSet<string>? Names { get; set; }
    }
}
