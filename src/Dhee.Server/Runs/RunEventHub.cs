using System.Collections.Concurrent;

namespace Dhee.Server.Runs;

/// <summary>The feeds of every run this process streams, by preparation id.</summary>
internal sealed class RunEventHub
{
    private readonly ConcurrentDictionary<string, RunFeed> feeds = new(StringComparer.Ordinal);

    public RunFeed Get(string preparationId) => feeds.GetOrAdd(preparationId, _ => new RunFeed());

    public void Remove(string preparationId)
    {
        if (feeds.TryRemove(preparationId, out var feed))
        {
            feed.SetActive(false);
        }
    }
}
