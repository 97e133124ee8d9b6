using System.Text.Json;
using System.Threading.Channels;
using Dhee.Utils;

namespace Dhee.State;

/// <summary>
/// The crash-safe walk state of a project: an append-only JSON-lines journal in <c>.dhee/walk.journal.jsonl</c>.
/// Appends are group-committed (one flush to disk per batch, on a single writer), so a completion is durable without an
/// O(n) rewrite per node; the file is compacted (one line per live instance, written to a temp file and renamed over it)
/// when it grows to twice its live size and when the walk ends. A torn last line (a crash mid-append) is ignored on load.
/// </summary>
internal sealed class WalkJournal : IAsyncDisposable
{
    public const string FileName = "walk.journal.jsonl";
    private static readonly TimeSpan SyncInterval = TimeSpan.FromMilliseconds(4);
    private static readonly System.Text.Json.Serialization.Metadata.JsonTypeInfo<JournalRecord> Json = JournalJsonContext.Default.JournalRecord;
    private readonly string _path;
    private readonly Dictionary<string, JournalRecord> _live;
    private readonly Lock _liveLock = new();
    private readonly Channel<(JournalRecord? Record, TaskCompletionSource? Flushed)> _queue;
    private readonly TaskCompletionSource? _writerDone;
    private readonly int _minCompactionLines;
    private FileStream? _stream;
    private int _lines;
    private TaskCompletionSource _flushRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private WalkJournal(string path, Dictionary<string, JournalRecord> live, int lines, bool writable, int minCompactionLines)
    {
        _path = path;
        _live = live;
        _lines = lines;
        _minCompactionLines = minCompactionLines;
        _queue = Channel.CreateUnbounded<(JournalRecord?, TaskCompletionSource?)>(new UnboundedChannelOptions { SingleReader = true });
        if (writable)
        {
            // A thread of its own: the loop blocks in fsync, which must not take a thread-pool thread from the runners'
            // continuations (a pool of two threads on a two-core machine).
            _writerDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            new Thread(WriteLoop) { IsBackground = true, Name = "Dhee walk journal" }.Start();
        }
    }

    /// <summary>Gets the journal path of a project.</summary>
    public static string PathFor(string projectDir) => Path.Combine(projectDir, ".dhee", FileName);

    /// <summary>Gets how many compactions ran (for tests).</summary>
    public int Compactions { get; private set; }

    /// <summary>Reads a project's state without opening it for writing.</summary>
    public static Dictionary<string, JournalRecord> ReadState(string projectDir) => Load(PathFor(projectDir), out _, out _);

    /// <summary>Loads a project's journal for reading only (dry runs); appends are not allowed.</summary>
    public static WalkJournal OpenReadOnly(string projectDir)
        => new(PathFor(projectDir), Load(PathFor(projectDir), out var lines, out _), lines, writable: false, int.MaxValue);

    /// <summary>
    /// Reads a project's journal on a pool thread while the caller does other work (planning the walk), before it holds the
    /// project lock. <see cref="Open"/> uses the result only if the file is still the one read, so a walk that ran in
    /// between is never missed.
    /// </summary>
    public static Task<JournalPreload?> PreloadAsync(string projectDir) => Task.Run(() =>
    {
        var path = PathFor(projectDir);
        try
        {
            var before = JournalPreload.Identify(path);
            var live = Load(path, out var lines, out var torn);
            var preload = new JournalPreload(before, live, lines, torn);
            return preload.IsCurrent(path) ? preload : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // Open reads it again and reports the problem under the lock
        }
    });

    /// <summary>Opens the journal for a walk (the caller holds the project lock), healing a torn tail by compacting.</summary>
    /// <param name="projectDir">The project folder.</param>
    /// <param name="minCompactionLines">Compact during the walk only past this many lines.</param>
    /// <param name="preload">What <see cref="PreloadAsync"/> read, used if the file has not changed since.</param>
    public static WalkJournal Open(string projectDir, int minCompactionLines = 4096, JournalPreload? preload = null)
    {
        var path = PathFor(projectDir);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Dictionary<string, JournalRecord> live;
        int lines;
        bool torn;
        if (preload is not null && preload.IsCurrent(path))
        {
            (live, lines, torn) = (preload.Live, preload.Lines, preload.Torn);
        }
        else
        {
            live = Load(path, out lines, out torn);
        }

        var journal = new WalkJournal(path, live, lines, writable: true, minCompactionLines);
        if (torn)
        {
            journal.CompactNow();
        }

        journal._stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, 1 << 16);
        return journal;
    }

    /// <summary>Gets the latest record of an instance, or null.</summary>
    public JournalRecord? Get(string key)
    {
        lock (_liveLock)
        {
            return _live.GetValueOrDefault(key);
        }
    }

    /// <summary>Sums what the completed instances' runners reported spending (cache hits cost nothing).</summary>
    public decimal SpentUsd()
    {
        var spent = 0m;
        lock (_liveLock)
        {
            foreach (var record in _live.Values)
            {
                if (record.Type == JournalRecord.Done && !record.Cached)
                {
                    spent += record.CostUsd;
                }
            }
        }

        return spent;
    }

    /// <summary>Gets a copy of every live record.</summary>
    public List<JournalRecord> Snapshot()
    {
        lock (_liveLock)
        {
            return [.. _live.Values];
        }
    }

    /// <summary>Queues a record for the next group commit, without waiting for it (a later <see cref="FlushAsync"/> does).</summary>
    public void Append(JournalRecord record)
    {
        lock (_liveLock)
        {
            Apply(_live, record);
        }

        _queue.Writer.TryWrite((record, null));
    }

    /// <summary>Queues a record; the returned task completes when it is on disk.</summary>
    public Task AppendAsync(JournalRecord record)
    {
        lock (_liveLock)
        {
            Apply(_live, record);
        }

        var flushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite((record, flushed)))
        {
            flushed.TrySetException(new ObjectDisposedException(nameof(WalkJournal)));
        }

        return flushed.Task;
    }

    /// <summary>Waits until everything queued so far is on disk (without the group-commit wait: the caller is waiting).</summary>
    public Task FlushAsync()
    {
        var flushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite((null, flushed)))
        {
            return Task.CompletedTask;
        }

        Volatile.Read(ref _flushRequested).TrySetResult();
        return flushed.Task;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        Volatile.Read(ref _flushRequested).TrySetResult();
        if (_writerDone is not null)
        {
            await _writerDone.Task.ConfigureAwait(false);
        }

        if (_stream is not null)
        {
            if (_lines > (_live.Count * 2) + 64)
            {
                await _stream.DisposeAsync().ConfigureAwait(false);
                _stream = null;
                CompactNow();
            }
            else
            {
                await _stream.DisposeAsync().ConfigureAwait(false);
                _stream = null;
            }
        }
    }

    private static void Apply(Dictionary<string, JournalRecord> live, JournalRecord record)
    {
        if (record.Type == JournalRecord.Invalidated)
        {
            live.Remove(record.Key);
        }
        else
        {
            live[record.Key] = record;
        }
    }

    private static Dictionary<string, JournalRecord> Load(string path, out int lines, out bool torn)
    {
        if (!File.Exists(path))
        {
            lines = 0;
            torn = false;
            return new Dictionary<string, JournalRecord>(StringComparer.Ordinal);
        }

        // A pooled buffer: a large project's journal is megabytes, and a fresh array of that size per walk lands on the
        // large object heap, whose budget then forces a full collection.
        byte[] rented;
        int length;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            length = checked((int)stream.Length);
            rented = System.Buffers.ArrayPool<byte>.Shared.Rent(length);
            stream.ReadExactly(rented, 0, length);
        }

        try
        {
            return Parse(rented.AsSpan(0, length), out lines, out torn);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static Dictionary<string, JournalRecord> Parse(ReadOnlySpan<byte> bytes, out int lines, out bool torn)
    {
        var live = new Dictionary<string, JournalRecord>(StringComparer.Ordinal);
        torn = false;
        if (TryLoadLatest(bytes, live, out lines))
        {
            return live;
        }

        // Something is torn or damaged: replay every line, skipping the bad ones, and report it so the caller heals the file.
        live.Clear();
        lines = 0;
        var span = bytes;
        while (span.Length > 0)
        {
            var newline = span.IndexOf((byte)'\n');
            var line = newline < 0 ? span : span[..newline];
            span = newline < 0 ? [] : span[(newline + 1)..];
            if (line.IsEmpty)
            {
                continue;
            }

            lines++;
            try
            {
                var record = JsonSerializer.Deserialize<JournalRecord>(line, Json);
                if (record is null || record.Key.Length == 0)
                {
                    torn = true;
                    continue;
                }

                if (newline < 0)
                {
                    // A complete record without its newline: keep it, but rewrite so the next append starts a fresh line.
                    torn = true;
                }

                Apply(live, record);
            }
            catch (JsonException)
            {
                torn = true; // a torn tail (crash mid-append) or a damaged line: skipped, healed by compaction
            }
        }

        return live;
    }

    /// <summary>
    /// The fast path for a healthy journal: only the last line of each instance decides its state, so every line is
    /// scanned for its type and key alone and only those last lines are parsed in full (a journal holds a start and a
    /// done line per instance, and older walks' lines until compaction). False at the first line that is not a
    /// complete record, leaving the careful replay to the caller.
    /// </summary>
    private static bool TryLoadLatest(ReadOnlySpan<byte> bytes, Dictionary<string, JournalRecord> live, out int lines)
    {
        lines = 0;
        if (bytes.Length > 0 && bytes[^1] != (byte)'\n')
        {
            return false;
        }

        // Sized for a start and a done line of a couple of hundred bytes per instance, so it rarely grows.
        var latest = new Dictionary<string, (int Start, int Length, bool Invalidated)>(bytes.Length / 320, StringComparer.Ordinal);
        var start = 0;
        while (start < bytes.Length)
        {
            var length = bytes[start..].IndexOf((byte)'\n');
            if (length > 0)
            {
                lines++;
                if (!TryScanTypeAndKey(bytes.Slice(start, length), out var invalidated, out var key))
                {
                    return false;
                }

                latest[key] = (start, length, invalidated);
            }

            start += length + 1;
        }

        live.EnsureCapacity(latest.Count);
        var pool = new JournalStringPool();
        foreach (var (key, line) in latest)
        {
            if (line.Invalidated)
            {
                continue;
            }

            var record = JournalRecordReader.TryRead(bytes.Slice(line.Start, line.Length), pool);
            if (record is null || record.Key != key)
            {
                return false;
            }

            live[record.Key] = record; // the pooled string: the scan's copy of the key is dropped with the scan
        }

        return true;
    }

    /// <summary>Reads the key of a journal line and whether it invalidates the instance (type and key are written first).</summary>
    private static bool TryScanTypeAndKey(ReadOnlySpan<byte> line, out bool invalidated, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? key)
    {
        invalidated = false;
        key = null;
        var sawType = false;
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName && (!sawType || key is null))
            {
                var isType = reader.ValueTextEquals("t"u8);
                var isKey = !isType && reader.ValueTextEquals("k"u8);
                if (!reader.Read())
                {
                    return false;
                }

                if (isType && reader.TokenType == JsonTokenType.String)
                {
                    sawType = true;
                    invalidated = reader.ValueTextEquals(JournalRecord.Invalidated);
                }
                else if (isKey && reader.TokenType == JsonTokenType.String)
                {
                    key = reader.GetString();
                }
                else if (!reader.TrySkip())
                {
                    return false;
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }

        return sawType && !string.IsNullOrEmpty(key);
    }

    private void WriteLoop()
    {
        try
        {
            WriteRecords();
        }
        finally
        {
            _writerDone!.TrySetResult();
        }
    }

    private void WriteRecords()
    {
        using var lines = new JsonLinesBuffer();
        var batch = new List<JournalRecord>();
        var waiting = new List<TaskCompletionSource>();
        var reader = _queue.Reader;
        var lastSync = System.Diagnostics.Stopwatch.GetTimestamp();
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            // Group commit: at most one fsync every few milliseconds; records arriving meanwhile share it. A caller waiting
            // for durability (a flush, the end of the walk) cuts the wait short.
            var sinceSync = System.Diagnostics.Stopwatch.GetElapsedTime(lastSync);
            var flushRequested = Volatile.Read(ref _flushRequested).Task;
            if (sinceSync < SyncInterval && !flushRequested.IsCompleted)
            {
                flushRequested.Wait(SyncInterval - sinceSync);
            }

            if (flushRequested.IsCompleted)
            {
                // Renewed before the queue is drained: a request queued after the drain signals the new one.
                Volatile.Write(ref _flushRequested, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            }

            batch.Clear();
            waiting.Clear();
            while (reader.TryRead(out var item))
            {
                if (item.Record is not null)
                {
                    batch.Add(item.Record);
                }

                if (item.Flushed is not null)
                {
                    waiting.Add(item.Flushed);
                }
            }

            try
            {
                if (batch.Count > 0 && _stream is not null)
                {
                    foreach (var record in batch)
                    {
                        lines.Append(record, Json, _stream);
                    }

                    lines.WriteTo(_stream);
                    _stream.Flush(flushToDisk: true);
                    lastSync = System.Diagnostics.Stopwatch.GetTimestamp();
                    _lines += batch.Count;
                    int liveCount;
                    lock (_liveLock)
                    {
                        liveCount = _live.Count;
                    }

                    if (_lines > Math.Max(_minCompactionLines, liveCount * 2))
                    {
                        _stream.Dispose();
                        CompactNow();
                        _stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read, 1 << 16);
                    }
                }

                foreach (var done in waiting)
                {
                    done.TrySetResult();
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                foreach (var done in waiting)
                {
                    done.TrySetException(e);
                }
            }
        }
    }

    private void CompactNow()
    {
        List<JournalRecord> records;
        lock (_liveLock)
        {
            records = [.. _live.Values];
        }

        var temp = AtomicFile.TempPathFor(_path);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            using (var lines = new JsonLinesBuffer())
            {
                foreach (var record in records)
                {
                    lines.Append(record, Json, stream);
                }

                lines.WriteTo(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, _path, overwrite: true);
        }
        catch
        {
            AtomicFile.TryDelete(temp);
            throw;
        }

        _lines = records.Count;
        Compactions++;
    }

    /// <summary>Formats a record as one journal line (for tests and tools).</summary>
    public static string Serialize(JournalRecord record) => JsonSerializer.Serialize(record, Json) + "\n";
}
