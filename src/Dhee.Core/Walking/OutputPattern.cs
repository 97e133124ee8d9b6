using System.Text.RegularExpressions;

namespace Dhee.Walking;

/// <summary>
/// Renders a node's output pattern: <c>{{item_id}}</c> and <c>{{shot_id}}</c> → the item id, <c>{{scene_id}}</c> →
/// <c>scene_N</c> from an item id starting <c>scene_N</c> (else the item id), <c>{{chunk_id}}</c> → <c>chunk_K</c> from an
/// item id containing <c>chunk_K</c> (else the item id), <c>{{node_id}}</c> → the node id. Unknown placeholders stay literal.
/// </summary>
internal static partial class OutputPattern
{
    private static readonly string[] ItemPlaceholders = ["{{item_id}}", "{{shot_id}}", "{{scene_id}}", "{{chunk_id}}"];

    /// <summary>Tells whether the pattern distinguishes collection items.</summary>
    public static bool HasItemPlaceholder(string pattern) => ItemPlaceholders.Any(p => pattern.Contains(p, StringComparison.Ordinal));

    /// <summary>Renders the pattern for a node instance.</summary>
    public static string Render(string pattern, string nodeId, string? itemId)
    {
        var item = itemId ?? string.Empty;
        var scene = itemId is not null && SceneRegex().Match(itemId) is { Success: true } s ? $"scene_{s.Groups[1].Value}" : item;
        var chunk = itemId is not null && ChunkRegex().Match(itemId) is { Success: true } c ? $"chunk_{c.Groups[1].Value}" : item;
        return pattern
            .Replace("{{item_id}}", item, StringComparison.Ordinal)
            .Replace("{{shot_id}}", item, StringComparison.Ordinal)
            .Replace("{{scene_id}}", scene, StringComparison.Ordinal)
            .Replace("{{chunk_id}}", chunk, StringComparison.Ordinal)
            .Replace("{{node_id}}", nodeId, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^scene_(\d+)")]
    private static partial Regex SceneRegex();

    [GeneratedRegex(@"chunk_(\d+)")]
    private static partial Regex ChunkRegex();
}
