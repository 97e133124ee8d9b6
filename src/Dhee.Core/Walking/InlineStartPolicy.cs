using System.Diagnostics;

namespace Dhee.Walking;

/// <summary>
/// Decides, per tool, whether the walk's coordinating loop may start an instance on its own thread instead of handing it
/// to the thread pool. Starting means running the synchronous part: resolving inputs and the runner up to its first
/// await. For runners that return quickly (an HTTP call in flight, a process started, or a result already known) the
/// thread hop costs more than that part; a runner doing heavy synchronous work must not hold up the loop. So every tool
/// starts on the pool, and runs inline only after several starts in a row were cheap; one slow start sends it back.
/// </summary>
internal sealed class InlineStartPolicy
{
    /// <summary>How many cheap starts in a row let a tool start inline.</summary>
    private const int CheapStreakToInline = 4;

    /// <summary>The longest synchronous start that still counts as cheap.</summary>
    private static readonly TimeSpan CheapStart = TimeSpan.FromMilliseconds(0.25);

    private readonly Dictionary<string, ToolRecord> _tools = new(StringComparer.Ordinal);

    /// <summary>Gets the record of a tool (called by the coordinating loop only).</summary>
    public ToolRecord For(string tool)
    {
        if (!_tools.TryGetValue(tool, out var record))
        {
            _tools[tool] = record = new ToolRecord();
        }

        return record;
    }

    /// <summary>What is known about one tool's starts; updated from whichever thread ran the start.</summary>
    internal sealed class ToolRecord
    {
        private int _cheapStreak;

        /// <summary>Gets a value indicating whether the tool's next start may run inline.</summary>
        public bool Inline => Volatile.Read(ref _cheapStreak) >= CheapStreakToInline;

        /// <summary>Records how long a start ran synchronously.</summary>
        /// <param name="startedAt">The <see cref="Stopwatch"/> timestamp taken before the start.</param>
        public void Record(long startedAt)
        {
            if (Stopwatch.GetElapsedTime(startedAt) <= CheapStart)
            {
                Interlocked.Increment(ref _cheapStreak);
            }
            else
            {
                Volatile.Write(ref _cheapStreak, 0);
            }
        }
    }
}
