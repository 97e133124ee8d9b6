using System.Text.Json.Nodes;

namespace Dhee.Caching;

/// <summary>
/// Everything that determines a generated output. Hashed with sorted object keys, so key order does not matter;
/// files listed in <see cref="Files"/> take part by content, so renaming a file keeps the hash and changing a byte does not.
/// </summary>
public sealed record InputsHashKey
{
    /// <summary>Gets the tool id.</summary>
    public required string Tool { get; init; }

    /// <summary>Gets the tool's version.</summary>
    public required string ToolVersion { get; init; }

    /// <summary>Gets the resolved inputs (rendered prompts, parameters, upstream values).</summary>
    public JsonNode? Inputs { get; init; }

    /// <summary>Gets the runner configuration that affects the output.</summary>
    public JsonNode? Config { get; init; }

    /// <summary>Gets the random seed, when the generation uses one.</summary>
    public long? Seed { get; init; }

    /// <summary>Gets files whose bytes affect the output (workflows, templates, images), by a stable name.</summary>
    public IReadOnlyDictionary<string, string> Files { get; init; } = new Dictionary<string, string>();
}
