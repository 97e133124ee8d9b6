using System.Text.Json.Nodes;

namespace Dhee.Bundles;

/// <summary>The runner a node uses and the configuration it passes to it.</summary>
public sealed record NodeRunner
{
    /// <summary>Gets the dot-namespaced tool id of the runner, for example <c>llm.generate</c>.</summary>
    public required string Tool { get; init; }

    /// <summary>Gets the runner configuration, validated against the runner's config schema before any node runs.</summary>
    public JsonObject Config { get; init; } = [];
}
