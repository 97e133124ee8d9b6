using Dhee.Bundles;
using Dhee.Utils;

namespace Dhee.Tests.Utils;

public sealed class EnumTextTests
{
    [Fact]
    public void Of_EveryValueOfTheFingerprintedEnums_EqualsToString()
    {
        Assert.All(Enum.GetValues<InputScope>(), v => Assert.Equal(v.ToString(), EnumText<InputScope>.Of(v)));
        Assert.All(Enum.GetValues<InputUsage>(), v => Assert.Equal(v.ToString(), EnumText<InputUsage>.Of(v)));
        Assert.All(Enum.GetValues<NodeKind>(), v => Assert.Equal(v.ToString(), EnumText<NodeKind>.Of(v)));
        Assert.All(Enum.GetValues<OutputFormat>(), v => Assert.Equal(v.ToString(), EnumText<OutputFormat>.Of(v)));
        Assert.All(Enum.GetValues<AggregateStrategy>(), v => Assert.Equal(v.ToString(), EnumText<AggregateStrategy>.Of(v)));
    }

    [Fact]
    public void Of_UndefinedValue_FallsBackToTheNumber()
        => Assert.Equal("77", EnumText<NodeKind>.Of((NodeKind)77));
}
