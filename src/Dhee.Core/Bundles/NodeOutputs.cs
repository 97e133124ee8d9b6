namespace Dhee.Bundles;

/// <summary>Where and in what format a node writes its output.</summary>
public sealed record NodeOutputs
{
    /// <summary>Gets the output format.</summary>
    public required OutputFormat Format { get; init; }

    /// <summary>
    /// Gets the project-relative path pattern, for example <c>assets/images/{{item_id}}.png</c>.
    /// Placeholders: <c>{{item_id}}</c>, <c>{{shot_id}}</c>, <c>{{scene_id}}</c>, <c>{{chunk_id}}</c>, <c>{{node_id}}</c>.
    /// </summary>
    public required string Pattern { get; init; }
}
