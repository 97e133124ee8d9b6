using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Dhee.Server.Security;

/// <summary>Finds the principal of a request from <c>X-Api-Key</c> or <c>Authorization: Bearer</c>.</summary>
internal sealed class DheeAuthenticator(DheeServerOptions options)
{
    public const string ApiKeyHeader = "X-Api-Key";

    /// <summary>Authenticates a request; null when it carries no valid credential.</summary>
    public async ValueTask<DheePrincipal?> AuthenticateAsync(HttpContext context)
    {
        var apiKey = context.Request.Headers[ApiKeyHeader].ToString();
        var authorization = context.Request.Headers.Authorization.ToString();
        string? bearer = null;
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            bearer = authorization["Bearer ".Length..].Trim();
        }

        if (!string.IsNullOrEmpty(apiKey))
        {
            return FindApiKey(apiKey);
        }

        if (string.IsNullOrEmpty(bearer))
        {
            return null;
        }

        // A bearer token may be an API key too; otherwise the host's validator decides.
        if (FindApiKey(bearer) is { } byKey)
        {
            return byKey;
        }

        if (options.BearerTokenValidator is not { } validate)
        {
            return null;
        }

        var principal = await validate(bearer, context.RequestAborted).ConfigureAwait(false);
        return principal is null || string.IsNullOrWhiteSpace(principal.UserId) ? null : principal;
    }

    /// <summary>Gets a value indicating whether the principal may use the service at all.</summary>
    public bool IsAllowed(DheePrincipal principal) =>
        IsAdmin(principal) || !options.RequireAllowedUsers || options.AllowedUsers.Contains(principal.UserId);

    public bool IsAdmin(DheePrincipal principal) => principal.IsAdmin || options.Admins.Contains(principal.UserId);

    private DheePrincipal? FindApiKey(string key)
    {
        var hash = Encoding.ASCII.GetBytes(DheeApiKey.Hash(key));
        foreach (var entry in options.ApiKeys)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, Encoding.ASCII.GetBytes(entry.Sha256.ToLowerInvariant())))
            {
                return new DheePrincipal(entry.UserId) { IsAdmin = entry.IsAdmin, RateLimitKey = "key:" + entry.Sha256[..16] };
            }
        }

        return null;
    }
}
