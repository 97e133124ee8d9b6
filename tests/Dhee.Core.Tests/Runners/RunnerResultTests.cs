using System.Text.Json.Nodes;
using Dhee.Runners;

namespace Dhee.Tests.Runners;

public class RunnerResultTests
{
    [Fact]
    public void Success_WithWellKnownMetadata_ExposesCachedCostAndHash()
    {
        var result = RunnerResult.Success("out/a.png", new JsonObject
        {
            [RunnerMetadataKeys.Cached] = true,
            [RunnerMetadataKeys.CostUsd] = 0.25m,
            [RunnerMetadataKeys.InputsHash] = "abc",
        });

        Assert.True(result.IsSuccess);
        Assert.True(result.Cached);
        Assert.Equal(0.25m, result.CostUsd);
        Assert.Equal("abc", result.InputsHash);
    }

    [Fact]
    public void Failure_Transient_KeepsMessageAndFlag()
    {
        var result = RunnerResult.Failure("ComfyUI at http://x answered 503; retry later", isTransient: true);

        Assert.False(result.IsSuccess);
        Assert.True(result.Error.IsTransient);
        Assert.Null(result.OutputPath);
        Assert.Contains("503", result.ToString(), StringComparison.Ordinal);
    }
}
