using System.Text.Json;
using Dhee.Bundles;
using Dhee.Definitions;
using Dhee.Server.Runs;
using Dhee.Utils;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;

namespace Dhee.Server.Http;

/// <summary>A run's graph (for drawing the DAG) and its output files (for previews).</summary>
internal static class ArtifactEndpoints
{
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public static async Task<IResult> GraphAsync(HttpContext context, string id, RunCoordinator coordinator)
    {
        var run = await RunEndpoints.FindVisibleAsync(context, coordinator, id).ConfigureAwait(false);
        if (run is null)
        {
            return ApiProblem.NotFound(id).ToResult();
        }

        var (bundle, problem) = coordinator.ResolveBundle(run.Definition?.Deserialize<DagDefinition>(ServerJson.Options), run.BundleRef);
        if (bundle is null)
        {
            return problem!.ToResult();
        }

        var ids = bundle.Nodes.Select(n => n.Id).ToHashSet(StringComparer.Ordinal);
        var nodes = bundle.Nodes.Select(n => new
        {
            id = n.Id,
            tool = n.Runner.Tool,
            displayName = n.DisplayName,
            kind = n.Kind == NodeKind.Collection ? "collection" : "stage",
            format = n.Outputs.Format,
            itemSource = n.ItemSource,
            dependsOn = n.Inputs.Select(i => i.From).Where(ids.Contains).Distinct().ToArray(),
        }).ToArray();
        return TypedResults.Json(new { goal = bundle.Goal, nodes }, ServerJson.Options);
    }

    public static async Task<IResult> OutputAsync(HttpContext context, string id, string path, RunCoordinator coordinator)
    {
        var run = await RunEndpoints.FindVisibleAsync(context, coordinator, id).ConfigureAwait(false);
        if (run is null)
        {
            return ApiProblem.NotFound(id).ToResult();
        }

        // Catch-all route values keep escaped slashes; decode them so SafePath judges the real path.
        path = Uri.UnescapeDataString(path).Replace('\\', '/');
        if (!SafePath.TryResolve(run.ProjectDir, path, out var full, out var error))
        {
            return ApiProblem.UnsafePath($"Output path '{path}' is not allowed: {error}.").ToResult();
        }

        if (SafePath.IsInside(Path.Combine(run.ProjectDir, ".dhee"), full))
        {
            return ApiProblem.UnsafePath($"Output path '{path}' is not allowed: the walk state in .dhee is private.").ToResult();
        }

        if (!File.Exists(full))
        {
            return new ApiProblem(StatusCodes.Status404NotFound, ProblemTypes.NotFound, "No such output.", $"Run '{id}' has no output '{path}' yet.").ToResult();
        }

        var contentType = ContentTypes.TryGetContentType(full, out var type) ? type : "application/octet-stream";
        return TypedResults.PhysicalFile(full, contentType, enableRangeProcessing: true);
    }
}
