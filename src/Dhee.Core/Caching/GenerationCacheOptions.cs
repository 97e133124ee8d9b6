namespace Dhee.Caching;

/// <summary>Options for <see cref="GenerationCache.Open(GenerationCacheOptions?)"/>.</summary>
public sealed class GenerationCacheOptions
{
    /// <summary>The environment variable that overrides the cache folder.</summary>
    public const string RootEnvironmentVariable = "DHEE_CACHE_ROOT";

    /// <summary>The environment variable that disables the cache when set to <c>1</c> (or <c>true</c>).</summary>
    public const string DisableEnvironmentVariable = "DHEE_DISABLE_CAS";

    /// <summary>
    /// Gets or sets the cache folder. When null, <c>DHEE_CACHE_ROOT</c> is used, else <c>~/.dhee/cache</c>.
    /// </summary>
    public string? Root { get; set; }

    /// <summary>Gets or sets a value indicating whether the cache is enabled. <c>DHEE_DISABLE_CAS=1</c> disables it regardless.</summary>
    /// <value>The default value is true.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets how entries are checked before they are served.</summary>
    /// <value>The default value is <see cref="CacheVerification.Size"/>.</value>
    public CacheVerification Verification { get; set; } = CacheVerification.Size;

    /// <summary>Gets or sets a value indicating whether hits are hard-linked into place when the file system allows it (else copied).</summary>
    /// <value>The default value is true.</value>
    public bool HardLinks { get; set; } = true;

    /// <summary>Gets or sets the clock used for access times.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
