using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Dhee.Testing;

/// <summary>Helpers for the scripted fault queues of the loopback servers.</summary>
internal static class LoopbackQueue
{
    /// <summary>Removes and returns the first queued entry that matches, keeping the others in order.</summary>
    /// <typeparam name="T">The entry type.</typeparam>
    /// <param name="queue">The queue (locked while it is rewritten).</param>
    /// <param name="match">Which entry to take.</param>
    /// <param name="item">The entry taken.</param>
    /// <returns>True when an entry matched.</returns>
    public static bool TryTakeFirst<T>(ConcurrentQueue<T> queue, Func<T, bool> match, [MaybeNullWhen(false)] out T item)
    {
        item = default;
        if (queue.IsEmpty)
        {
            return false;
        }

        lock (queue)
        {
            var items = queue.ToArray();
            var index = Array.FindIndex(items, x => match(x));
            if (index < 0)
            {
                return false;
            }

            item = items[index];
            queue.Clear();
            for (var i = 0; i < items.Length; i++)
            {
                if (i != index)
                {
                    queue.Enqueue(items[i]);
                }
            }

            return true;
        }
    }
}
