using System.Text;
using Dhee.State;
using Dhee.Testing;

namespace Dhee.Tests.State;

public sealed class WalkJournalTests : IDisposable
{
    private readonly TestProjectDirectory _project = new("dhee-journal");

    [Fact]
    public async Task Open_PreloadedBeforeAnotherWalkAppended_ReadsTheFileAgain()
    {
        await WriteJournalAsync(new JournalRecord { Type = JournalRecord.Done, Key = "a", Stamp = "1" });
        var preload = await WalkJournal.PreloadAsync(_project.Path);
        Assert.NotNull(preload);

        // Another walk finishes between the read-ahead and taking the lock.
        await File.AppendAllTextAsync(WalkJournal.PathFor(_project.Path), WalkJournal.Serialize(new JournalRecord { Type = JournalRecord.Done, Key = "b", Stamp = "2" }));

        var journal = WalkJournal.Open(_project.Path, preload: preload);
        await using (journal)
        {
            Assert.Equal("2", journal.Get("b")?.Stamp);
            Assert.Equal("1", journal.Get("a")?.Stamp);
        }
    }

    [Fact]
    public async Task Open_PreloadOfUnchangedFile_IsUsedAsIs()
    {
        await WriteJournalAsync(new JournalRecord { Type = JournalRecord.Done, Key = "a", Stamp = "1" });
        var preload = await WalkJournal.PreloadAsync(_project.Path);

        var journal = WalkJournal.Open(_project.Path, preload: preload);
        await using (journal)
        {
            Assert.Same(preload!.Live["a"], journal.Get("a"));
        }
    }

    [Fact]
    public async Task PreloadAsync_NoJournalYet_OpenSeesRecordsWrittenSince()
    {
        var preload = await WalkJournal.PreloadAsync(_project.Path);
        await WriteJournalAsync(new JournalRecord { Type = JournalRecord.Done, Key = "late", Stamp = "9" });

        var journal = WalkJournal.Open(_project.Path, preload: preload);
        await using (journal)
        {
            Assert.Equal("9", journal.Get("late")?.Stamp);
        }
    }

    [Fact]
    public void TryRead_EveryField_MatchesTheSerializer()
    {
        var record = new JournalRecord
        {
            Type = JournalRecord.Done,
            Key = "scenes:s-1",
            Node = "scenes",
            Item = "s-1",
            Tool = "comfy.tti",
            Stamp = "0123456789abcdef",
            Fingerprint = new string('f', 64),
            Output = "out/scenes/s-1.png",
            Dependencies = new Dictionary<string, string> { ["plan"] = "aaaa", ["style:\"x\""] = "bbbb" },
            InputsHash = "cafe",
            Cached = true,
            CostUsd = 0.0125m,
            Error = "line\nbreak \u00e9",
            StartedAt = new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.FromHours(5.5)),
            At = new DateTimeOffset(2026, 12, 2, 10, 0, 1, 250, TimeSpan.Zero),
        };
        var line = Encoding.UTF8.GetBytes(WalkJournal.Serialize(record).TrimEnd('\n'));

        var read = JournalRecordReader.TryRead(line);

        Assert.NotNull(read);
        Assert.Equal(WalkJournal.Serialize(record), WalkJournal.Serialize(read));
    }

    [Theory]
    [InlineData("{\"t\":\"done\",\"k\":\"a\",\"future\":{\"x\":[1,2]},\"s\":\"1\"}", "1")]
    [InlineData("{\"t\":\"done\",\"k\":\"a\",\"s\":null,\"d\":null}", null)]
    public void TryRead_UnknownPropertiesAndNulls_ReadLikeTheSerializer(string json, string? stamp)
    {
        var read = JournalRecordReader.TryRead(Encoding.UTF8.GetBytes(json));

        Assert.NotNull(read);
        Assert.Equal("a", read.Key);
        Assert.Equal(stamp, read.Stamp);
    }

    [Theory]
    [InlineData("{\"t\":\"done\",\"k\":\"a\",\"c\":\"yes\"}")]
    [InlineData("{\"t\":\"done\",\"k\":\"a\",\"d\":{\"x\":1}}")]
    [InlineData("{\"t\":\"done\",\"k\":\"a\",\"at\":\"yesterday\"}")]
    [InlineData("{\"t\":\"done\",\"k\":\"a\"")]
    [InlineData("{\"t\":\"done\",\"k\":\"a\"}{}")]
    [InlineData("[1]")]
    public void TryRead_MalformedOrMistyped_ReturnsNull(string json)
        => Assert.Null(JournalRecordReader.TryRead(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void TryRead_WithPool_SharesRepeatedStringsAndReadsTheSame()
    {
        var pool = new JournalStringPool();
        var a = new JournalRecord { Type = JournalRecord.Done, Key = "a", Node = "a", Tool = "llm.generate", Stamp = "s1", Dependencies = new() { ["b"] = "s2" } };
        var b = new JournalRecord { Type = JournalRecord.Done, Key = "b", Node = "b", Tool = "llm.generate", Stamp = "s2", Error = "caf\u00e9 \"x\"" };

        var readA = JournalRecordReader.TryRead(Encoding.UTF8.GetBytes(WalkJournal.Serialize(a).TrimEnd('\n')), pool)!;
        var readB = JournalRecordReader.TryRead(Encoding.UTF8.GetBytes(WalkJournal.Serialize(b).TrimEnd('\n')), pool)!;

        Assert.Equal(WalkJournal.Serialize(a), WalkJournal.Serialize(readA));
        Assert.Equal(WalkJournal.Serialize(b), WalkJournal.Serialize(readB));
        Assert.Same(readA.Tool, readB.Tool);
        Assert.Same(readA.Dependencies!.Keys.Single(), readB.Key);
        Assert.Same(readA.Dependencies["b"], readB.Stamp);
    }

    public void Dispose() => _project.Dispose();

    private async Task WriteJournalAsync(params JournalRecord[] records)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(WalkJournal.PathFor(_project.Path))!);
        await File.WriteAllTextAsync(WalkJournal.PathFor(_project.Path), string.Concat(records.Select(WalkJournal.Serialize)));
    }
}
