namespace Dhee.Endpoints;

/// <summary>Replaces a node class with another one on one endpoint (for example a GGUF loader where the stock loader is missing).</summary>
public sealed record ComfyClassSwap
{
    /// <summary>Gets the class to replace.</summary>
    public required string FromClass { get; init; }

    /// <summary>Gets the class to use instead (validated against the endpoint's <c>/object_info</c>).</summary>
    public required string ToClass { get; init; }

    /// <summary>Gets the node id the swap is limited to; null swaps every node of <see cref="FromClass"/>.</summary>
    public string? NodeId { get; init; }

    /// <summary>Gets the workflow file name the swap is limited to (compared with the file name of the workflow path); null applies to all.</summary>
    public string? Workflow { get; init; }

    /// <summary>Gets input renames applied with the swap (old input name → new input name).</summary>
    public IReadOnlyDictionary<string, string> InputRenames { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
}
