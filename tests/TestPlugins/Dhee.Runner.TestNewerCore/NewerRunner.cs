using Dhee.Runners;

namespace Dhee.Runner.TestNewerCore;

public sealed class NewerRunner : IRunner
{
    public RunnerDescription Describe() => new();

    public ValueTask<RunnerResult> RunAsync(RunnerContext context) => ValueTask.FromResult(new RunnerResult());

    public string Summarize() => "newer";
}
