namespace Dhee.Server.Http;

/// <summary>The <c>type</c> URIs of the problem details the API answers with.</summary>
public static class ProblemTypes
{
    /// <summary>The request body or parameters do not match the API contract (malformed JSON, wrong shape, bad values).</summary>
    public const string ContractViolation = "urn:dhee:problems:contract-violation";

    /// <summary>The definition or bundle is well-formed but invalid; <c>problems</c> lists every problem.</summary>
    public const string Validation = "urn:dhee:problems:validation";

    /// <summary>No credentials, or credentials that are not valid.</summary>
    public const string Unauthorized = "urn:dhee:problems:unauthorized";

    /// <summary>Valid credentials of a user who is not allowed.</summary>
    public const string Forbidden = "urn:dhee:problems:forbidden";

    /// <summary>No such run, or a run of another user.</summary>
    public const string NotFound = "urn:dhee:problems:not-found";

    /// <summary>The run's status does not allow the operation.</summary>
    public const string Conflict = "urn:dhee:problems:conflict";

    /// <summary>Too many requests for this credential; retry after the <c>Retry-After</c> header.</summary>
    public const string RateLimited = "urn:dhee:problems:rate-limited";

    /// <summary>The request body is larger than allowed.</summary>
    public const string PayloadTooLarge = "urn:dhee:problems:payload-too-large";

    /// <summary>A path in the request escapes the folders it must stay in.</summary>
    public const string UnsafePath = "urn:dhee:problems:unsafe-path";
}
