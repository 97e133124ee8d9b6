using Microsoft.Extensions.Options;

namespace Dhee.Hosting;

/// <summary>Checks <see cref="DheeOptions"/> at start-up; every message names the configuration key to fix (<c>Dhee:Endpoints:&lt;name&gt;:BaseUrl</c>) and how.</summary>
internal sealed class DheeOptionsValidator : IValidateOptions<DheeOptions>
{
    private static readonly string[] AddressSchemes = ["http", "https", "ws", "wss"];

    public ValidateOptionsResult Validate(string? name, DheeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        foreach (var (endpointName, endpoint) in options.Endpoints)
        {
            var key = $"{DheeOptions.SectionName}:Endpoints:{endpointName}";
            if (endpoint is null)
            {
                failures.Add($"{key} is empty; give it a BaseUrl (a ComfyUI server) or a RunPodEndpointId.");
                continue;
            }

            ValidateEndpoint(key, endpoint, failures);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateEndpoint(string key, DheeEndpointOptions endpoint, List<string> failures)
    {
        var hasUrl = !string.IsNullOrWhiteSpace(endpoint.BaseUrl);
        var hasRunPod = !string.IsNullOrWhiteSpace(endpoint.RunPodEndpointId);
        if (hasUrl && hasRunPod)
        {
            failures.Add($"{key} sets both BaseUrl and RunPodEndpointId; keep BaseUrl for a ComfyUI server or RunPodEndpointId for a RunPod endpoint.");
        }
        else if (!hasUrl && !hasRunPod)
        {
            failures.Add($"{key}:BaseUrl is not set; set it to the ComfyUI server's address (for example http://127.0.0.1:8188), or set {key}:RunPodEndpointId for a RunPod endpoint.");
        }
        else if (hasUrl && !IsAddress(endpoint.BaseUrl!, allowRunPod: true))
        {
            failures.Add($"{key}:BaseUrl is '{endpoint.BaseUrl}', which is not an absolute http(s), ws(s) or runpod:// address; set it to the server's address, for example http://127.0.0.1:8188.");
        }
        else if (hasRunPod && endpoint.RunPodEndpointId!.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_'))
        {
            failures.Add($"{key}:RunPodEndpointId is '{endpoint.RunPodEndpointId}'; use the endpoint id alone (letters, digits, '-' and '_'), as shown in the RunPod console.");
        }

        for (var i = 0; i < endpoint.PoolUrls.Count; i++)
        {
            if (!IsAddress(endpoint.PoolUrls[i], allowRunPod: false))
            {
                failures.Add($"{key}:PoolUrls:{i} is '{endpoint.PoolUrls[i]}', which is not an absolute http(s) or ws(s) address of a ComfyUI server; fix or remove it.");
            }
        }

        if (endpoint.PoolUrls.Count > 0 && hasRunPod)
        {
            failures.Add($"{key}:PoolUrls lists ComfyUI servers, but the endpoint is a RunPod endpoint; remove PoolUrls or use BaseUrl.");
        }

        if (endpoint.MaxConcurrency is < 1)
        {
            failures.Add($"{key}:MaxConcurrency is {endpoint.MaxConcurrency}; use 1 or more, or leave it unset for no limit.");
        }

        if (endpoint.Timeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            failures.Add($"{key}:Timeout is {timeout}; use a positive duration such as 00:10:00, or leave it unset for the client default.");
        }

        if (endpoint.ApiBase is { } apiBase && (!apiBase.IsAbsoluteUri || (apiBase.Scheme != Uri.UriSchemeHttp && apiBase.Scheme != Uri.UriSchemeHttps)))
        {
            failures.Add($"{key}:ApiBase is '{apiBase}', which is not an absolute http(s) address; fix it or leave it unset for RunPod's API.");
        }
    }

    private static bool IsAddress(string value, bool allowRunPod)
        => Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri)
            && (AddressSchemes.Contains(uri.Scheme, StringComparer.OrdinalIgnoreCase) || (allowRunPod && uri.Scheme.Equals("runpod", StringComparison.OrdinalIgnoreCase)))
            && !string.IsNullOrEmpty(uri.Host);
}
