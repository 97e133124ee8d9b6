using System.Text.Json.Nodes;
using Dhee.Runners;
using Microsoft.AspNetCore.Http;

namespace Dhee.Runner.TestAspNet;

public sealed class AspNetRunner : IRunner
{
    public RunnerDescription Describe() => new() { Id = "aspnet.path", DisplayName = "ASP.NET path" };

    public ValueTask<RunnerResult> RunAsync(RunnerContext context)
        => ValueTask.FromResult(RunnerResult.Success(context.OutputPath, new JsonObject { ["value"] = new PathString("/a").Add("/b").Value }));
}
