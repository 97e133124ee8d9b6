namespace Dhee.Caching;

/// <summary>How thoroughly <see cref="GenerationCache"/> checks an entry before serving it.</summary>
public enum CacheVerification
{
    /// <summary>The stored content's length must match its metadata (cheap; catches partial and truncated entries).</summary>
    Size,

    /// <summary>The stored content is re-hashed and must match the SHA-256 recorded when it was stored (catches any corruption).</summary>
    Hash,
}
