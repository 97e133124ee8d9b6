using System.Text;
using Dhee.State;

namespace Dhee.Tests.State;

public sealed class JsonLinesBufferTests
{
    [Fact]
    public void Append_MoreThanAChunk_EveryLineReachesTheStreamInOrder()
    {
        using var stream = new MemoryStream();
        using var lines = new JsonLinesBuffer();
        for (var i = 0; i < 3_000; i++)
        {
            lines.Append(new JournalRecord { Type = JournalRecord.Done, Key = $"n{i}", Stamp = new string('s', 40) }, JournalJsonContext.Default.JournalRecord, stream);
        }

        Assert.True(stream.Length > 64 * 1024); // chunks went out before the end
        lines.WriteTo(stream);

        var written = Encoding.UTF8.GetString(stream.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Enumerable.Range(0, 3_000).Select(i => $"n{i}"), written.Select(l => JournalRecordReader.TryRead(Encoding.UTF8.GetBytes(l))!.Key));
    }

    [Fact]
    public void WriteTo_StreamFails_BufferIsEmptiedSoLaterLinesAreNotRepeated()
    {
        using var lines = new JsonLinesBuffer();
        using var broken = new MemoryStream([], writable: false);
        lines.Append(new JournalRecord { Type = JournalRecord.Done, Key = "lost" }, JournalJsonContext.Default.JournalRecord, broken);
        Assert.Throws<NotSupportedException>(() => lines.WriteTo(broken));

        using var stream = new MemoryStream();
        lines.Append(new JournalRecord { Type = JournalRecord.Done, Key = "kept" }, JournalJsonContext.Default.JournalRecord, stream);
        lines.WriteTo(stream);

        Assert.Equal(WalkJournal.Serialize(new JournalRecord { Type = JournalRecord.Done, Key = "kept" }), Encoding.UTF8.GetString(stream.ToArray()));
    }
}
