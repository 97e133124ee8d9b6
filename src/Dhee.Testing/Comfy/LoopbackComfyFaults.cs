using System.Collections.Concurrent;

namespace Dhee.Testing.Comfy;

/// <summary>Fault switches of a running <see cref="LoopbackComfyServer"/>; change them at any time from a test.</summary>
public sealed class LoopbackComfyFaults
{
    private readonly ConcurrentQueue<(string Method, string Path, LoopbackFailureKind Kind)> _failures = new();
    private int _truncateDownloads;

    /// <summary>Gets or sets a value indicating whether every WebSocket is closed abruptly right after <c>execution_start</c> of the next prompt (the prompt still completes and reaches history).</summary>
    public bool DropSocketMidRun { get; set; }

    /// <summary>Gets or sets a value indicating whether <c>execution_success</c>, <c>execution_error</c>, <c>execution_interrupted</c> and the final <c>executing null</c> are withheld (history is still written).</summary>
    public bool SuppressCompletionFrames { get; set; }

    /// <summary>Gets or sets a value indicating whether sockets only ever receive <c>status</c> frames (no execution events at all), like a proxy that drops them.</summary>
    public bool HeartbeatOnly { get; set; }

    /// <summary>Gets or sets a value indicating whether WebSocket upgrades are refused with 503 (HTTP routes keep working), as behind a proxy without WebSocket support.</summary>
    public bool RejectSockets { get; set; }

    /// <summary>Gets or sets a value indicating whether the queue worker is paused: prompts stay pending until it is cleared.</summary>
    public bool PauseQueue { get; set; }

    /// <summary>Gets or sets a value indicating whether executions never finish (the running prompt hangs at its last node until interrupted or the server restarts).</summary>
    public bool HangExecution { get; set; }

    /// <summary>Gets or sets the node class whose execution raises a runtime error (an <c>execution_error</c> with exception type <c>RuntimeError</c>).</summary>
    public string? FailClassType { get; set; }

    /// <summary>Gets or sets the size of files produced by save nodes from now on, generated on the fly and never stored (for example 1 GiB); <see langword="null"/> produces small PNG files.</summary>
    public long? LargeOutputBytes { get; set; }

    /// <summary>Gets or sets a delay inserted after every 64 KiB chunk of a <c>/view</c> download (a slow stream).</summary>
    public TimeSpan SlowStreamDelay { get; set; }

    /// <summary>Gets or sets the interval of extra <c>status</c> heartbeat frames sent to every socket; zero sends none.</summary>
    public TimeSpan HeartbeatInterval { get; set; }

    /// <summary>Makes the next <paramref name="times"/> requests whose method and path match fail with <paramref name="kind"/>.</summary>
    /// <param name="method">The HTTP method (GET, POST), or <c>*</c> for any.</param>
    /// <param name="path">The route without prefixes (for example <c>/prompt</c>, <c>/view</c>, <c>/upload/image</c>, <c>/history</c> matching any history path).</param>
    /// <param name="kind">How to fail.</param>
    /// <param name="times">How many requests fail.</param>
    public void FailNext(string method, string path, LoopbackFailureKind kind, int times = 1)
    {
        for (var i = 0; i < times; i++)
        {
            _failures.Enqueue((method, path, kind));
        }
    }

    /// <summary>Makes the next <paramref name="times"/> downloads from <c>/view</c> stop after half of their announced length.</summary>
    /// <param name="times">How many downloads are truncated.</param>
    public void TruncateNextDownloads(int times = 1) => Interlocked.Add(ref _truncateDownloads, times);

    internal bool TryTakeTruncation()
    {
        while (true)
        {
            var current = Volatile.Read(ref _truncateDownloads);
            if (current <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _truncateDownloads, current - 1, current) == current)
            {
                return true;
            }
        }
    }

    internal bool TryTakeFailure(string method, string path, out LoopbackFailureKind kind)
    {
        var taken = LoopbackQueue.TryTakeFirst(_failures, f => (f.Method == "*" || string.Equals(f.Method, method, StringComparison.OrdinalIgnoreCase))
            && (path == f.Path || path.StartsWith(f.Path + "/", StringComparison.Ordinal)), out var failure);
        kind = failure.Kind;
        return taken;
    }
}
