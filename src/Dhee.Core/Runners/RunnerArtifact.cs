using System.Text.Json.Nodes;

namespace Dhee.Runners;

/// <summary>An extra file a runner wrote besides its primary output, such as a preview or a subtitle track.</summary>
/// <param name="Path">The artifact's path, relative to the project folder.</param>
/// <param name="Kind">A free-form kind, for example <c>preview</c>.</param>
/// <param name="Metadata">Optional metadata about the artifact.</param>
public sealed record RunnerArtifact(string Path, string? Kind = null, JsonObject? Metadata = null);
