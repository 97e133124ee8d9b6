using Dhee.State;
using Dhee.Testing;
using Dhee.Walking;

namespace Dhee.Tests.State;

public sealed class EventLogTests : IDisposable
{
    private readonly TestProjectDirectory _project = new("dhee-eventlog");

    [Fact]
    public async Task Append_BurstLargerThanOneWriteChunk_EveryEventWrittenInOrder()
    {
        var message = new string('m', 300);
        var log = EventLog.Open(_project.Path);
        await using (log)
        {
            for (var i = 1; i <= 5_000; i++)
            {
                log.Append(new WalkEvent { Sequence = i, Kind = WalkEventKind.NodeSkipped, WalkId = "w", NodeId = $"n{i}", Message = message, Timestamp = DateTimeOffset.UnixEpoch });
            }
        }

        var events = EventLog.ReadAll(_project.Path);
        Assert.Equal(5_000, events.Count);
        Assert.Equal(Enumerable.Range(1, 5_000).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.Equal(5_000, File.ReadAllLines(EventLog.PathFor(_project.Path)).Length);
        var reopened = EventLog.Open(_project.Path);
        await using (reopened)
        {
            Assert.Equal(5_000, reopened.LastSequence);
        }
    }

    public void Dispose() => _project.Dispose();
}
