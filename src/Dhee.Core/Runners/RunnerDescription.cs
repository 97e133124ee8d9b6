using System.Text.Json.Nodes;

namespace Dhee.Runners;

/// <summary>
/// What a runner tells hosts about itself: identity, capabilities, modalities, the JSON Schema its
/// <c>runner.config</c> must satisfy, and scheduling hints.
/// </summary>
public sealed record RunnerDescription
{
    /// <summary>Gets the dot-namespaced tool id, for example <c>comfy.tti</c>.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the name shown to people.</summary>
    public required string DisplayName { get; init; }

    /// <summary>Gets a one-paragraph description of what the runner does.</summary>
    public string Description { get; init; } = string.Empty;

    /// <summary>Gets free-form capability tags, for example <c>text-to-image</c>.</summary>
    public IReadOnlyList<string> Capabilities { get; init; } = [];

    /// <summary>Gets the kinds of media the runner reads.</summary>
    public IReadOnlyList<Modality> InputModalities { get; init; } = [];

    /// <summary>Gets the kinds of media the runner writes.</summary>
    public IReadOnlyList<Modality> OutputModalities { get; init; } = [];

    /// <summary>
    /// Gets the JSON Schema that every node's <c>runner.config</c> is validated against before any node runs.
    /// </summary>
    /// <value>The default value is a schema that accepts any object.</value>
    public JsonObject ConfigSchema { get; init; } = new() { ["type"] = "object" };

    /// <summary>Gets what running the runner costs.</summary>
    /// <value>The default value is <see cref="CostHint.Free"/>.</value>
    public CostHint CostHint { get; init; } = CostHint.Free;

    /// <summary>
    /// Gets the most instances of this runner the walker may run at once, or null for no runner-specific limit.
    /// </summary>
    /// <value>The default value is null.</value>
    public int? MaxConcurrency { get; init; }
}
