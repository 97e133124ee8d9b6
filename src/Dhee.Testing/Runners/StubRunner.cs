using System.Text.Json.Nodes;
using Dhee.Runners;

namespace Dhee.Testing.Runners;

/// <summary>
/// A runner that describes itself with a given config schema and succeeds without writing anything, for testing
/// registries, validation and discovery user interfaces.
/// </summary>
public sealed class StubRunner : IRunner
{
    private readonly RunnerDescription _description;

    /// <summary>Initializes a new instance of the <see cref="StubRunner"/> class.</summary>
    /// <param name="tool">The dot-namespaced tool id.</param>
    /// <param name="configSchema">The config schema to report; null for any object.</param>
    /// <param name="costHint">The cost hint to report.</param>
    public StubRunner(string tool, JsonObject? configSchema = null, CostHint costHint = CostHint.Free)
    {
        _description = new RunnerDescription
        {
            Id = tool,
            DisplayName = "Stub " + tool,
            ConfigSchema = configSchema ?? new JsonObject { ["type"] = "object" },
            CostHint = costHint,
        };
    }

    /// <summary>Creates a manifest for a stub (or any) runner.</summary>
    /// <param name="tool">The tool id.</param>
    /// <param name="version">The runner version.</param>
    /// <param name="engineCompat">The engine range; the default accepts every engine, prereleases included.</param>
    /// <param name="credentials">Environment variables the runner requires.</param>
    /// <returns>The manifest.</returns>
    public static RunnerManifest Manifest(string tool, string version = "1.0.0", string engineCompat = ">=0.0.0-0", params string[] credentials) => new()
    {
        Tool = tool,
        Version = version,
        EngineCompat = engineCompat,
        Credentials = credentials,
    };

    /// <inheritdoc/>
    public RunnerDescription Describe() => _description;

    /// <inheritdoc/>
    public ValueTask<RunnerResult> RunAsync(RunnerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ValueTask.FromResult(RunnerResult.Success(context.OutputPath));
    }
}
