namespace Dhee.Runners;

public interface IRunner
{
    RunnerDescription Describe();

    ValueTask<RunnerResult> RunAsync(RunnerContext context);

    // A member the host's older contract does not have.
    string Summarize();
}

public sealed class RunnerDescription
{
}

public sealed class RunnerResult
{
}

public sealed class RunnerContext
{
}
