using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Dhee.Walking;

namespace Dhee.State;

/// <summary>
/// Appends walk events to <c>.dhee/events.jsonl</c> from a single writer, continuing the sequence numbers found in the
/// file (so a UI can replay finished and crashed walks in order). A torn last line is healed with a newline.
/// </summary>
internal sealed class EventLog : IAsyncDisposable
{
    public const string FileName = "events.jsonl";
    private readonly Channel<WalkEvent> _queue = Channel.CreateUnbounded<WalkEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly FileStream _stream;
    private readonly Task _writer;
    private readonly TaskCompletionSource _closing = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private EventLog(FileStream stream, long lastSequence)
    {
        _stream = stream;
        LastSequence = lastSequence;
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Gets the highest sequence number in the file when it was opened.</summary>
    public long LastSequence { get; }

    /// <summary>Gets the events path of a project.</summary>
    public static string PathFor(string projectDir) => Path.Combine(projectDir, ".dhee", FileName);

    /// <summary>Opens the log for appending.</summary>
    public static EventLog Open(string projectDir)
    {
        var path = PathFor(projectDir);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        long last = 0;
        if (stream.Length > 0)
        {
            var tail = (int)Math.Min(stream.Length, 64 * 1024);
            var bytes = new byte[tail];
            stream.Seek(-tail, SeekOrigin.End);
            stream.ReadExactly(bytes);
            var lines = Encoding.UTF8.GetString(bytes).Split('\n');
            for (var i = lines.Length - 1; i >= 0 && last == 0; i--)
            {
                try
                {
                    using var doc = JsonDocument.Parse(lines[i]);
                    if (doc.RootElement.TryGetProperty("sequence", out var seq))
                    {
                        last = seq.GetInt64();
                    }
                }
                catch (JsonException)
                {
                }
            }

            if (bytes[^1] != (byte)'\n')
            {
                stream.WriteByte((byte)'\n');
            }
        }

        stream.Seek(0, SeekOrigin.End);
        return new EventLog(stream, last);
    }

    /// <summary>Reads every event of a project's log, skipping unreadable lines, ordered by sequence.</summary>
    public static IReadOnlyList<WalkEvent> ReadAll(string projectDir)
    {
        var path = PathFor(projectDir);
        if (!File.Exists(path))
        {
            return [];
        }

        var events = new List<WalkEvent>();
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0)
            {
                continue;
            }

            try
            {
                if (JsonSerializer.Deserialize<WalkEvent>(line, WalkEvent.JsonOptions) is { } e)
                {
                    events.Add(e);
                }
            }
            catch (JsonException)
            {
            }
        }

        return [.. events.OrderBy(e => e.Sequence)];
    }

    /// <summary>Queues an event for writing.</summary>
    public void Append(WalkEvent walkEvent) => _queue.Writer.TryWrite(walkEvent);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        _closing.TrySetResult();
        await _writer.ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
    }

    private async Task WriteLoopAsync()
    {
        var reader = _queue.Reader;
        using var lines = new JsonLinesBuffer();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Let a burst of events share one write, unless the log is closing and the walk waits for the last ones.
            if (!_closing.Task.IsCompleted)
            {
                await Task.WhenAny(_closing.Task, Task.Delay(2)).ConfigureAwait(false);
            }

            try
            {
                while (reader.TryRead(out var walkEvent))
                {
                    lines.Append(walkEvent, WalkEventJsonContext.Default.WalkEvent, _stream);
                }

                lines.WriteTo(_stream);
                _stream.Flush();
            }
            catch (IOException)
            {
                // Events are a convenience for hosts; the journal is the source of truth, so a full disk here must not fail the walk.
            }
        }
    }
}
