using System.Text.Json.Nodes;
using Dhee.Runners;

namespace Dhee.Runner.TestCopiesCore;

public sealed class CopiesCoreRunner : IRunner
{
    public RunnerDescription Describe() => new() { Id = "copies.core", DisplayName = "Copies core" };

    public ValueTask<RunnerResult> RunAsync(RunnerContext context)
        => ValueTask.FromResult(RunnerResult.Success(context.OutputPath, new JsonObject { ["value"] = typeof(IRunner).Assembly.Location }));
}
