namespace Dhee.Server.Security;

/// <summary>The caller of a request, as authenticated by an API key or a bearer token.</summary>
/// <param name="UserId">The user id; runs belong to it.</param>
public sealed record DheePrincipal(string UserId)
{
    /// <summary>Gets a value indicating whether the user sees and controls every run.</summary>
    public bool IsAdmin { get; init; }

    /// <summary>Gets the credential identity requests are rate limited by; null means the user id.</summary>
    public string? RateLimitKey { get; init; }
}
