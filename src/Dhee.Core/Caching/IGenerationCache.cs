using System.Text.Json.Nodes;

namespace Dhee.Caching;

/// <summary>
/// The content-addressed generation cache: outputs stored under the hash of every input that determined them, so the
/// same request is never generated twice. Runners reach it through <see cref="Runners.RunnerContext.Cache"/>.
/// </summary>
/// <remarks>
/// Pattern: compute the hash of an <see cref="InputsHashKey"/> covering EVERY input that affects the output (including
/// seeds and the bytes of referenced files), <see cref="TryGetAsync"/> before doing work, <see cref="PutAsync"/> after.
/// When <see cref="IsEnabled"/> is false, gets miss and puts do nothing.
/// </remarks>
public interface IGenerationCache
{
    /// <summary>Gets a value indicating whether the cache stores and serves entries.</summary>
    bool IsEnabled { get; }

    /// <summary>Computes the SHA-256 key (64 lowercase hex characters) of <paramref name="key"/>, hashing referenced files by content.</summary>
    /// <param name="key">Everything that determines the output.</param>
    /// <param name="cancellationToken">Cancels the hashing of large files.</param>
    /// <returns>The hash.</returns>
    ValueTask<string> ComputeHashAsync(InputsHashKey key, CancellationToken cancellationToken = default);

    /// <summary>Looks up an entry; a missing, partial or corrupt entry is a miss.</summary>
    /// <param name="hash">The hash from <see cref="ComputeHashAsync"/>.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The entry, or null on a miss.</returns>
    ValueTask<CacheEntry?> TryGetAsync(string hash, CancellationToken cancellationToken = default);

    /// <summary>Stores a copy of <paramref name="sourcePath"/> under <paramref name="hash"/>, atomically.</summary>
    /// <param name="hash">The hash from <see cref="ComputeHashAsync"/>.</param>
    /// <param name="sourcePath">The generated file.</param>
    /// <param name="metadata">Metadata returned with later hits.</param>
    /// <param name="cancellationToken">Cancels the copy.</param>
    /// <returns>The stored entry, or null when the cache is disabled.</returns>
    ValueTask<CacheEntry?> PutAsync(string hash, string sourcePath, JsonObject? metadata = null, CancellationToken cancellationToken = default);

    /// <summary>Places an entry's content at <paramref name="destinationPath"/> (linked or copied), atomically.</summary>
    /// <param name="entry">A hit from <see cref="TryGetAsync"/>.</param>
    /// <param name="destinationPath">The absolute destination, normally inside the project folder.</param>
    /// <param name="cancellationToken">Cancels the copy.</param>
    /// <returns>A task that completes when the file is in place.</returns>
    ValueTask RestoreAsync(CacheEntry entry, string destinationPath, CancellationToken cancellationToken = default);
}
