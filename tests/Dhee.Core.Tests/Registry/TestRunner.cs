using System.Text.Json.Nodes;
using Dhee.Runners;

namespace Dhee.Tests.Registry;

/// <summary>A minimal real runner for registry tests: describes itself with the given schema and writes nothing.</summary>
internal sealed class TestRunner(string id, JsonObject? configSchema = null, CostHint costHint = CostHint.Free) : IRunner
{
    public RunnerDescription Describe() => new()
    {
        Id = id,
        DisplayName = "Test " + id,
        ConfigSchema = configSchema ?? new JsonObject { ["type"] = "object" },
        CostHint = costHint,
    };

    public ValueTask<RunnerResult> RunAsync(RunnerContext context) => ValueTask.FromResult(RunnerResult.Success(context.OutputPath));

    public static RunnerManifest Manifest(string tool, string version = "1.0.0", string engineCompat = ">=0.0.0-0", params string[] credentials) => new()
    {
        Tool = tool,
        Version = version,
        EngineCompat = engineCompat,
        Credentials = credentials,
    };
}
