using System.Text.Json.Nodes;

namespace Dhee.Caching;

/// <summary>A stored cache entry.</summary>
/// <param name="Hash">The entry's key.</param>
/// <param name="ContentPath">The absolute path of the stored content.</param>
/// <param name="Extension">The content's file extension without the dot, or empty.</param>
/// <param name="Length">The content's length in bytes.</param>
/// <param name="Metadata">The metadata stored with the entry.</param>
public sealed record CacheEntry(string Hash, string ContentPath, string Extension, long Length, JsonObject Metadata);
