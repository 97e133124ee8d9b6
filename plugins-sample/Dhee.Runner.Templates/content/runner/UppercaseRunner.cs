using System.Text.Json.Nodes;
using Dhee.Caching;
using Dhee.Runners;

namespace Dhee.Runner.MyRunner;

/// <summary>Writes the node's text (config <c>text</c>, else its inputs) in upper case. Replace the body with your work.</summary>
public sealed class UppercaseRunner : IRunner
{
    private const string Tool = "my.uppercase";

    /// <inheritdoc/>
    public RunnerDescription Describe() => new()
    {
        Id = Tool,
        DisplayName = "Upper-case text",
        InputModalities = [Modality.Text],
        OutputModalities = [Modality.Text],
        ConfigSchema = new JsonObject
        {
            ["type"] = "object",
            ["additionalProperties"] = false,
            ["properties"] = new JsonObject { ["text"] = new JsonObject { ["type"] = "string" } },
        },
    };

    /// <inheritdoc/>
    public async ValueTask<RunnerResult> RunAsync(RunnerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var token = context.CancellationToken;
        var text = context.Config["text"] is JsonValue value && value.TryGetValue<string>(out var configured)
            ? configured
            : string.Join(Environment.NewLine, context.Inputs.Values.Select(v => v.ToText()));
        if (string.IsNullOrWhiteSpace(text))
        {
            // Expected failures are returned, never thrown: say what is wrong and how to fix it.
            return RunnerResult.Failure($"node '{context.Node.Id}' ({Tool}): there is no text; set config 'text' or connect an input");
        }

        // The cache key holds EVERY input that changes the output: here the inputs and the whole config.
        var cache = context.Cache is { IsEnabled: true } c ? c : null;
        string? hash = null;
        if (cache is not null)
        {
            hash = await cache.ComputeHashAsync(new InputsHashKey { Tool = Tool, ToolVersion = "0.1.0", Inputs = context.Inputs.ToJson(), Config = context.Config.DeepClone() }, token).ConfigureAwait(false);
            if (await cache.TryGetAsync(hash, token).ConfigureAwait(false) is { } hit)
            {
                await cache.RestoreAsync(hit, context.OutputFullPath, token).ConfigureAwait(false);
                return RunnerResult.Success(context.OutputPath, new JsonObject { [RunnerMetadataKeys.Cached] = true, [RunnerMetadataKeys.InputsHash] = hash });
            }
        }

        token.ThrowIfCancellationRequested();
        var target = context.OutputFullPath;
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var temp = target + ".tmp";
        await File.WriteAllTextAsync(temp, text.ToUpperInvariant(), token).ConfigureAwait(false);
        File.Move(temp, target, overwrite: true); // atomic: readers never see half a file

        if (cache is not null && hash is not null)
        {
            await cache.PutAsync(hash, target, cancellationToken: token).ConfigureAwait(false);
        }

        return RunnerResult.Success(context.OutputPath, new JsonObject { [RunnerMetadataKeys.Cached] = false });
    }
}
