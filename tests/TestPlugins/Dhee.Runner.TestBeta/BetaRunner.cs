using System.Text.Json.Nodes;
using Dhee.Runners;
using Dhee.TestLib;

namespace Dhee.Runner.TestBeta;

public sealed class BetaRunner : IRunner
{
    public RunnerDescription Describe() => new() { Id = "beta.lib", DisplayName = "Beta" };

    public ValueTask<RunnerResult> RunAsync(RunnerContext context)
        => ValueTask.FromResult(RunnerResult.Success(context.OutputPath, new JsonObject { ["value"] = LibInfo.Version }));
}
