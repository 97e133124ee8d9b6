using System.Globalization;
using System.Threading.RateLimiting;
using Dhee.Server.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace Dhee.Server.Http;

/// <summary>
/// Runs before every Dhee endpoint: denies requests without a valid, allowed credential, applies the per-credential
/// rate limit and caps the request body size.
/// </summary>
internal sealed class DheeRequestFilter(DheeAuthenticator authenticator, DheeRateLimiter limiter, DheeServerOptions options) : IEndpointFilter
{
    private const string PrincipalKey = "Dhee.Principal";

    public static DheePrincipal Principal(HttpContext context) =>
        context.Items[PrincipalKey] as DheePrincipal ?? throw new InvalidOperationException("The Dhee request filter did not run.");

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var principal = await authenticator.AuthenticateAsync(http).ConfigureAwait(false);
        if (principal is null)
        {
            // Failed attempts count against the caller's address, so keys cannot be guessed at full speed.
            using var anonymous = limiter.Acquire("ip:" + http.Connection.RemoteIpAddress);
            if (!anonymous.IsAcquired)
            {
                return RateLimited(http, anonymous);
            }

            http.Response.Headers.WWWAuthenticate = "Bearer";
            return Problem(StatusCodes.Status401Unauthorized, ProblemTypes.Unauthorized, "Authentication required.", $"Send an API key in '{DheeAuthenticator.ApiKeyHeader}' or a token in 'Authorization: Bearer'.");
        }

        if (!authenticator.IsAllowed(principal))
        {
            return Problem(StatusCodes.Status403Forbidden, ProblemTypes.Forbidden, "Not allowed.", "Your user is not on this server's allowlist; ask an administrator to add it.");
        }

        principal = principal with { IsAdmin = authenticator.IsAdmin(principal) };
        using var lease = limiter.Acquire(principal.RateLimitKey ?? "user:" + principal.UserId);
        if (!lease.IsAcquired)
        {
            return RateLimited(http, lease);
        }

        if (http.Request.ContentLength > options.MaxRequestBodyBytes)
        {
            return TooLarge(options.MaxRequestBodyBytes);
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = options.MaxRequestBodyBytes;
        }

        http.Items[PrincipalKey] = principal;
        return await next(context).ConfigureAwait(false);
    }

    private IResult RateLimited(HttpContext http, RateLimitLease lease)
    {
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : options.RateLimitWindow;
        http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return Problem(StatusCodes.Status429TooManyRequests, ProblemTypes.RateLimited, "Too many requests.", $"Each credential (and each address without one) may make {options.RateLimitPermits} requests per {options.RateLimitWindow}; retry after the Retry-After header.");
    }

    public static IResult TooLarge(long max) =>
        Problem(StatusCodes.Status413PayloadTooLarge, ProblemTypes.PayloadTooLarge, "The request body is too large.", $"Request bodies may be at most {max} bytes.");

    private static IResult Problem(int status, string type, string title, string detail) =>
        TypedResults.Problem(new ProblemDetails { Status = status, Type = type, Title = title, Detail = detail });
}
