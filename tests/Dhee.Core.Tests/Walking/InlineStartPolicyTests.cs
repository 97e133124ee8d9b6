using System.Diagnostics;
using Dhee.Walking;

namespace Dhee.Tests.Walking;

public sealed class InlineStartPolicyTests
{
    [Fact]
    public void Record_CheapStartsInARow_LetTheToolStartInline_OneSlowStartSendsItBack()
    {
        var record = new InlineStartPolicy().For("test.tool");
        Assert.False(record.Inline);

        for (var i = 0; i < 4; i++)
        {
            record.Record(Stopwatch.GetTimestamp());
        }

        Assert.True(record.Inline);

        record.Record(Stopwatch.GetTimestamp() - Stopwatch.Frequency); // a start that ran a whole second synchronously
        Assert.False(record.Inline);
    }

    [Fact]
    public void For_SameTool_SameRecord_OtherToolsIndependent()
    {
        var policy = new InlineStartPolicy();
        for (var i = 0; i < 4; i++)
        {
            policy.For("fast").Record(Stopwatch.GetTimestamp());
        }

        Assert.True(policy.For("fast").Inline);
        Assert.False(policy.For("slow").Inline);
    }
}
