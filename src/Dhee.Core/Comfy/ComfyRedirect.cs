namespace Dhee.Comfy;

/// <summary>Links that pointed at node <paramref name="From"/> are repointed at node <paramref name="To"/> (same output slot).</summary>
/// <param name="From">The node being removed.</param>
/// <param name="To">The node that takes its place as a link source.</param>
public sealed record ComfyRedirect(string From, string To);
