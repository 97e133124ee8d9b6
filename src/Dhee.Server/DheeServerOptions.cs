using Dhee.Bundles;
using Dhee.Runners;
using Dhee.Server.Security;

namespace Dhee.Server;

/// <summary>Options of the Dhee run service. Every endpoint denies requests until credentials are configured.</summary>
public sealed class DheeServerOptions
{
    /// <summary>Gets or sets the folders that bundle references may point into.</summary>
    /// <value>The default value is empty: no bundle can be referenced by path.</value>
    public IList<string> BundleRoots { get; set; } = [];

    /// <summary>Gets or sets the folder that holds one project folder per run.</summary>
    /// <value>The default value is <c>dhee-server/projects</c> under the temp folder.</value>
    public string ProjectsRoot { get; set; } = Path.Combine(Path.GetTempPath(), "dhee-server", "projects");

    /// <summary>Gets or sets the SQLite file runs are kept in, or null to keep runs in memory only.</summary>
    /// <value>The default value is null.</value>
    public string? DatabasePath { get; set; }

    /// <summary>Gets or sets how long finished runs are kept before they are pruned; null keeps them forever.</summary>
    /// <value>The default value is 7 days.</value>
    public TimeSpan? RunTimeToLive { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Gets or sets how often finished runs are pruned.</summary>
    /// <value>The default value is 1 minute.</value>
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Gets or sets a value indicating whether pruning keeps the runs' project folders.</summary>
    /// <value>The default value is false.</value>
    public bool KeepProjectFolders { get; set; }

    /// <summary>Gets or sets how often a progress stream sends a comment when there is nothing else to send.</summary>
    /// <value>The default value is 15 seconds.</value>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Gets or sets the largest request body accepted, in bytes.</summary>
    /// <value>The default value is 1 MiB.</value>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Gets or sets how many requests each credential may make per <see cref="RateLimitWindow"/>.</summary>
    /// <value>The default value is 600.</value>
    public int RateLimitPermits { get; set; } = 600;

    /// <summary>Gets or sets the rate-limit window.</summary>
    /// <value>The default value is 1 minute.</value>
    public TimeSpan RateLimitWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Gets the API keys, by hash. Add keys with <see cref="AddApiKey"/>.</summary>
    public IList<DheeApiKey> ApiKeys { get; } = [];

    /// <summary>
    /// Gets or sets the validator of <c>Authorization: Bearer</c> tokens (for example OAuth ID tokens), or null to
    /// accept API keys only. It returns the principal, or null to reject the token.
    /// </summary>
    public Func<string, CancellationToken, ValueTask<DheePrincipal?>>? BearerTokenValidator { get; set; }

    /// <summary>Gets the user ids allowed to use the service (see <see cref="RequireAllowedUsers"/>).</summary>
    public ISet<string> AllowedUsers { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Gets the user ids that see and control every run. Admins are always allowed.</summary>
    public ISet<string> Admins { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Gets or sets a value indicating whether authenticated users must also be in <see cref="AllowedUsers"/>.</summary>
    /// <value>The default value is true.</value>
    public bool RequireAllowedUsers { get; set; } = true;

    /// <summary>Gets the runner descriptions the catalog endpoint lists when no registry is available.</summary>
    public IList<RunnerDescription> CatalogRunners { get; } = [];

    /// <summary>Gets or sets how a bundle reference, resolved to an absolute path inside a bundle root, is loaded; null uses <see cref="Bundles.BundleLoader.Load"/>.</summary>
    public Func<string, Bundle>? BundleLoader { get; set; }

    /// <summary>Adds an API key for a user, keeping only its hash, and allows the user.</summary>
    /// <param name="userId">The user the key authenticates.</param>
    /// <param name="key">The plaintext key; it is hashed at once and not kept.</param>
    /// <param name="isAdmin">Whether the user is an admin.</param>
    /// <returns>These options.</returns>
    public DheeServerOptions AddApiKey(string userId, string key, bool isAdmin = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        var hash = DheeApiKey.Hash(key);
        ApiKeys.Add(new DheeApiKey { UserId = userId, Sha256 = hash, IsAdmin = isAdmin, Name = $"{userId}:{hash[..8]}" });
        AllowedUsers.Add(userId);
        if (isAdmin)
        {
            Admins.Add(userId);
        }

        return this;
    }
}
