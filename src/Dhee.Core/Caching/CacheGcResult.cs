namespace Dhee.Caching;

/// <summary>The outcome of <see cref="GenerationCache.CollectGarbageAsync"/>.</summary>
/// <param name="RemovedEntries">Entries deleted (least recently used first), including broken ones.</param>
/// <param name="FreedBytes">Bytes freed.</param>
/// <param name="RemainingBytes">Bytes still used by entries.</param>
/// <param name="RemainingEntries">Entries still stored.</param>
public sealed record CacheGcResult(int RemovedEntries, long FreedBytes, long RemainingBytes, int RemainingEntries);
