using System.Text.Json.Nodes;
using Dhee.Caching;
using Dhee.Runners;
using Dhee.Utils;
using Microsoft.Extensions.Logging;

namespace Dhee.BuiltIn;

/// <summary>Writes a generated file to a temporary path beside the target; the caller fills it and any metadata.</summary>
/// <param name="tempPath">Where to write (same folder and extension as the output).</param>
/// <param name="metadata">Metadata to return and to store with the cache entry.</param>
/// <param name="cancellationToken">Cancels the generation.</param>
/// <returns>Null on success, or why the generation failed.</returns>
internal delegate ValueTask<RunnerError?> ProduceOutput(string tempPath, JsonObject metadata, CancellationToken cancellationToken);

/// <summary>
/// The cache protocol every file-producing built-in runner follows: hash the inputs, restore a hit, otherwise generate
/// into a temporary file, rename it over the output and store it. Without an enabled cache an existing output is reused.
/// </summary>
internal static class CachedFileOutput
{
    /// <summary>Metadata key set when an existing output was reused because no cache was available.</summary>
    public const string ReusedExistingOutput = "reusedExistingOutput";

    /// <summary>Runs <paramref name="produce"/> unless a cached or existing output can be used.</summary>
    /// <param name="context">The runner context; the output goes to <see cref="RunnerContext.OutputFullPath"/>.</param>
    /// <param name="key">Everything that determines the output.</param>
    /// <param name="forceRerun">True to generate even when a cached or existing output exists (the result is still stored).</param>
    /// <param name="produce">Writes the output to the temporary path it is given.</param>
    /// <returns>The runner result.</returns>
    public static async ValueTask<RunnerResult> RunAsync(RunnerContext context, InputsHashKey key, bool forceRerun, ProduceOutput produce)
    {
        var cancellationToken = context.CancellationToken;
        var output = context.OutputFullPath;
        var cache = context.Cache is { IsEnabled: true } enabled ? enabled : null;
        string? hash = null;
        if (cache is not null)
        {
            hash = await cache.ComputeHashAsync(key, cancellationToken).ConfigureAwait(false);
            if (!forceRerun && await cache.TryGetAsync(hash, cancellationToken).ConfigureAwait(false) is { } entry)
            {
                await cache.RestoreAsync(entry, output, cancellationToken).ConfigureAwait(false);
                var hitMetadata = (JsonObject)entry.Metadata.DeepClone();
                hitMetadata[RunnerMetadataKeys.Cached] = true;
                hitMetadata[RunnerMetadataKeys.InputsHash] = hash;
                hitMetadata[RunnerMetadataKeys.CostUsd] = 0m;
                return RunnerResult.Success(context.OutputPath, hitMetadata);
            }
        }
        else if (!forceRerun && File.Exists(output))
        {
            return RunnerResult.Success(context.OutputPath, new JsonObject
            {
                [RunnerMetadataKeys.Cached] = true,
                [ReusedExistingOutput] = true,
            });
        }

        var temp = AtomicFile.TempPathFor(output, keepExtension: true);
        Directory.CreateDirectory(Path.GetDirectoryName(temp)!);
        var metadata = new JsonObject();
        try
        {
            var error = await produce(temp, metadata, cancellationToken).ConfigureAwait(false);
            if (error is not null)
            {
                return RunnerResult.Failure(error);
            }

            if (!File.Exists(temp))
            {
                return RunnerResult.Failure($"node '{context.Node.Id}' ({context.Tool}) finished but wrote no output for '{context.OutputPath}'; this is a bug in the runner, please report it");
            }

            File.Move(temp, output, overwrite: true);
        }
        finally
        {
            AtomicFile.TryDelete(temp);
        }

        metadata[RunnerMetadataKeys.Cached] = false;
        if (hash is not null)
        {
            metadata[RunnerMetadataKeys.InputsHash] = hash;
            try
            {
                await cache!.PutAsync(hash, output, (JsonObject)metadata.DeepClone(), cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                // The output is in place; a cache that cannot store it only costs a regeneration later.
                context.Logger.LogWarning(ex, "Could not store the output of node '{Node}' in the generation cache", context.Node.Id);
            }
        }

        return RunnerResult.Success(context.OutputPath, metadata);
    }
}
