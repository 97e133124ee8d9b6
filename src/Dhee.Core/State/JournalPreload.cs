namespace Dhee.State;

/// <summary>
/// A journal read ahead of taking the project lock, with the identity (size and last write time) of the file it came
/// from: appends grow the file and compaction replaces it, so an unchanged identity means the records are current.
/// </summary>
internal sealed class JournalPreload(JournalPreload.FileIdentity identity, Dictionary<string, JournalRecord> live, int lines, bool torn)
{
    public Dictionary<string, JournalRecord> Live { get; } = live;

    public int Lines { get; } = lines;

    public bool Torn { get; } = torn;

    /// <summary>Reads the identity of the journal file (a missing file has its own identity).</summary>
    public static FileIdentity Identify(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? new FileIdentity(info.Length, info.LastWriteTimeUtc.Ticks) : new FileIdentity(-1, 0);
    }

    /// <summary>Tells whether the file at <paramref name="path"/> is still the one read.</summary>
    public bool IsCurrent(string path) => Identify(path) == identity;

    /// <summary>The size and last write time of a journal file.</summary>
    internal readonly record struct FileIdentity(long Length, long LastWriteTicks);
}
