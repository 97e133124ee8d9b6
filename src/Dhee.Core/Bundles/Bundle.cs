using System.Text.Json.Nodes;

namespace Dhee.Bundles;

/// <summary>
/// A pipeline definition: nodes wired by their inputs, walked backwards from <see cref="Goal"/>.
/// Load one from JSON with the bundle loader, which validates it and reports every problem at once.
/// </summary>
public sealed record Bundle
{
    /// <summary>Gets the bundle id.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the bundle's own version.</summary>
    public string Version { get; init; } = "0.0.0";

    /// <summary>Gets the id of the node whose output is the bundle's result.</summary>
    public required string Goal { get; init; }

    /// <summary>Gets the npm-style range of engine versions the bundle works with, if declared.</summary>
    public string? EngineCompat { get; init; }

    /// <summary>Gets the SPDX license expression, if declared.</summary>
    public string? License { get; init; }

    /// <summary>Gets the name shown to people.</summary>
    public string? DisplayName { get; init; }

    /// <summary>Gets a short description.</summary>
    public string? Description { get; init; }

    /// <summary>Gets the runners the bundle needs.</summary>
    public BundleDependencies Dependencies { get; init; } = new();

    /// <summary>Gets the bundle-level inputs.</summary>
    public IReadOnlyList<BundleInputDeclaration> Inputs { get; init; } = [];

    /// <summary>Gets the nodes.</summary>
    public required IReadOnlyList<BundleNode> Nodes { get; init; }

    /// <summary>Gets the absolute path of the JSON file the bundle was read from, if any.</summary>
    public string? SourcePath { get; init; }

    /// <summary>Gets the absolute folder that config paths (prompts, schemas, workflows) resolve against, if any.</summary>
    public string? BundleDir { get; init; }

    /// <summary>Gets top-level fields Dhee does not interpret (<c>display</c>, <c>requirements</c>, …), kept for hosts.</summary>
    public JsonObject Extensions { get; init; } = [];

    /// <summary>Finds a node by id.</summary>
    /// <param name="nodeId">The node id.</param>
    /// <returns>The node, or null.</returns>
    public BundleNode? FindNode(string nodeId) => Nodes.FirstOrDefault(n => n.Id == nodeId);
}
