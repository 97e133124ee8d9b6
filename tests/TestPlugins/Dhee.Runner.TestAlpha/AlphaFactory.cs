using System.Text.Json.Nodes;
using Dhee.Plugins;
using Dhee.Runners;

namespace Dhee.Runner.TestAlpha;

/// <summary>Creates a runner that has no parameterless constructor.</summary>
public sealed class AlphaFactory : IRunnerFactory
{
    public IEnumerable<IRunner> CreateRunners(IServiceProvider services) => [new Greeter("hi")];
}

public sealed class Greeter(string greeting) : IRunner
{
    public RunnerDescription Describe() => new() { Id = "alpha.greet", DisplayName = "Alpha greeter" };

    public ValueTask<RunnerResult> RunAsync(RunnerContext context)
        => ValueTask.FromResult(RunnerResult.Success(context.OutputPath, new JsonObject { ["value"] = greeting }));
}
