namespace Dhee.Caching;

/// <summary>What a <see cref="GenerationCache"/> holds.</summary>
/// <param name="Root">The cache folder.</param>
/// <param name="EntryCount">The number of complete entries.</param>
/// <param name="TotalBytes">The bytes used by entries (content and metadata).</param>
/// <param name="OldestAccessUtc">When the least recently used entry was last used, if any.</param>
public sealed record CacheStats(string Root, int EntryCount, long TotalBytes, DateTimeOffset? OldestAccessUtc);
