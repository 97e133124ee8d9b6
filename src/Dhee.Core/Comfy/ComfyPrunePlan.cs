namespace Dhee.Comfy;

/// <summary>Which nodes to delete from a workflow and how to repoint the links that used them.</summary>
/// <param name="DeleteNodes">Nodes to delete.</param>
/// <param name="Redirects">Link repointing, followed transitively.</param>
public sealed record ComfyPrunePlan(IReadOnlyCollection<string> DeleteNodes, IReadOnlyList<ComfyRedirect> Redirects);
