namespace Dhee.Utils;

/// <summary>Makes addresses safe for messages, logs and telemetry: user info (<c>user:password@</c>), query and fragment are removed.</summary>
internal static class UrlRedaction
{
    /// <summary>Returns <paramref name="nameOrUrl"/> unchanged unless it is an absolute URL carrying user info, a query or a fragment; then returns it without them.</summary>
    /// <param name="nameOrUrl">An endpoint name or address (a comma-separated pool of addresses is redacted per address).</param>
    /// <returns>The safe form.</returns>
    public static string ForDisplay(string nameOrUrl)
    {
        if (!nameOrUrl.Contains("://", StringComparison.Ordinal))
        {
            return nameOrUrl;
        }

        if (nameOrUrl.Contains(',', StringComparison.Ordinal))
        {
            return string.Join(",", nameOrUrl.Split(',').Select(ForDisplay));
        }

        if (!Uri.TryCreate(nameOrUrl.Trim(), UriKind.Absolute, out var uri))
        {
            return "(an address that is not a valid URL)";
        }

        return HasSecrets(uri) ? WithoutSecrets(uri).GetLeftPart(UriPartial.Path) : nameOrUrl;
    }

    /// <summary>Returns <paramref name="uri"/> without user info, query and fragment.</summary>
    /// <param name="uri">An absolute URI.</param>
    /// <returns>The URI, or a copy without them.</returns>
    public static Uri WithoutSecrets(Uri uri)
    {
        if (!uri.IsAbsoluteUri || !HasSecrets(uri))
        {
            return uri;
        }

        var builder = new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty, Query = string.Empty, Fragment = string.Empty };
        if (uri.IsDefaultPort)
        {
            builder.Port = -1;
        }

        return builder.Uri;
    }

    private static bool HasSecrets(Uri uri) => uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0;
}
