using System.Security.Cryptography;
using System.Text;

namespace Dhee.Server.Security;

/// <summary>An API key as the server keeps it: only its SHA-256 hash, never the key itself.</summary>
public sealed record DheeApiKey
{
    /// <summary>Gets the user the key authenticates.</summary>
    public required string UserId { get; init; }

    /// <summary>Gets the lowercase hex SHA-256 of the key (see <see cref="Hash"/>).</summary>
    public required string Sha256 { get; init; }

    /// <summary>Gets a value indicating whether the key's user is an admin.</summary>
    public bool IsAdmin { get; init; }

    /// <summary>Gets a label for logs and rate-limit partitions; never the key.</summary>
    public string? Name { get; init; }

    /// <summary>Hashes a key the way the server stores it.</summary>
    /// <param name="key">The plaintext key.</param>
    /// <returns>The lowercase hex SHA-256 of the key's UTF-8 bytes.</returns>
    public static string Hash(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }

    /// <summary>Creates a new random key (32 bytes, URL-safe base64) for a user; show it once and store only <see cref="Sha256"/>.</summary>
    /// <returns>The plaintext key.</returns>
    public static string Generate() =>
        "dhee_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
