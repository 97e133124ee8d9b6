using System.Text.Json.Nodes;

namespace Dhee.Comfy;

/// <summary>Graph operations on API-format workflows.</summary>
public static class ComfyWorkflowGraph
{
    /// <summary>
    /// Deletes nodes and repoints every surviving link whose source is redirected, following redirects transitively
    /// (cycle-safe) and keeping the output slot index. Links that still point at a deleted node are removed from the
    /// input (the server then reports a missing input if it was required).
    /// </summary>
    /// <param name="workflow">The API workflow, changed in place.</param>
    /// <param name="plan">What to delete and redirect.</param>
    /// <returns>The ids actually deleted.</returns>
    public static IReadOnlyList<string> PruneAndRedirect(JsonObject workflow, ComfyPrunePlan plan)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        ArgumentNullException.ThrowIfNull(plan);
        var redirects = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var r in plan.Redirects)
        {
            redirects[r.From] = r.To;
        }

        var deleted = new HashSet<string>(plan.DeleteNodes, StringComparer.Ordinal);
        foreach (var (_, node) in workflow)
        {
            if (node?["inputs"] is not JsonObject inputs)
            {
                continue;
            }

            foreach (var name in inputs.Select(p => p.Key).ToList())
            {
                if (!ComfyPromptValidator.IsLink(inputs[name], out var source, out var slot))
                {
                    continue;
                }

                var target = Follow(source, redirects);
                if (target is null || deleted.Contains(target))
                {
                    inputs.Remove(name);
                    continue;
                }

                if (!string.Equals(target, source, StringComparison.Ordinal))
                {
                    inputs[name] = new JsonArray(target, slot);
                }
            }
        }

        var removed = new List<string>();
        foreach (var id in deleted)
        {
            if (workflow.Remove(id))
            {
                removed.Add(id);
            }
        }

        return removed;
    }

    private static string? Follow(string source, Dictionary<string, string> redirects)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var current = source;
        while (redirects.TryGetValue(current, out var next))
        {
            if (!seen.Add(current))
            {
                return null; // a redirect cycle: the link cannot be resolved
            }

            current = next;
        }

        return current;
    }
}
