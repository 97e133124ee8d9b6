using Dhee.Runners;

namespace Dhee.Tests.Support;

/// <summary>A real runner for walker-backed tests: writes its node id and input names as its output; fails when its config has "fail".</summary>
internal sealed class TextRunner(string id, TimeSpan? delay = null) : IRunner
{
    public int Calls;

    public RunnerDescription Describe() => new() { Id = id, DisplayName = id };

    public async ValueTask<RunnerResult> RunAsync(RunnerContext context)
    {
        Interlocked.Increment(ref Calls);
        context.ReportProgress(0.5, "halfway");
        if (delay is { } wait)
        {
            await Task.Delay(wait, context.CancellationToken);
        }

        if (context.Config["fail"] is not null)
        {
            return RunnerResult.Failure($"Node '{context.Node.Id}' was told to fail by its config; remove 'fail' to fix.");
        }

        var full = context.OutputFullPath;
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        await File.WriteAllTextAsync(full, $"{context.Node.Id} <- {string.Join(",", context.Inputs.Keys.Order(StringComparer.Ordinal))}", context.CancellationToken);
        return RunnerResult.Success(context.OutputPath, new System.Text.Json.Nodes.JsonObject { [RunnerMetadataKeys.CostUsd] = 0.5m });
    }
}
