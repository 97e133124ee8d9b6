using System.Text.Json.Nodes;

namespace Dhee.RunPod;

/// <summary>A worker-comfyui output, v5+ (<c>images[]</c>, <c>errors[]</c>, <c>success_no_images</c>) or pre-v5 (<c>message</c>).</summary>
/// <param name="Files">The files, in the order the worker listed them.</param>
/// <param name="Errors">Errors the worker reported next to (or instead of) its outputs.</param>
/// <param name="NoImages">True when the worker said <c>success_no_images</c>.</param>
/// <param name="IsLegacy">True for a pre-v5 <c>message</c> output.</param>
public sealed record RunPodWorkerOutput(IReadOnlyList<RunPodOutputItem> Files, IReadOnlyList<string> Errors, bool NoImages, bool IsLegacy)
{
    /// <summary>Parses the output of a job read by <see cref="RunPodClient"/>: outputs whose base64 was too long to keep in memory are marked so that saving reads them whole again, streamed.</summary>
    /// <param name="status">The completed job.</param>
    /// <returns>The parsed output.</returns>
    public static RunPodWorkerOutput Parse(RunPodJobStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        return Parse(status.Output, status.CutPaths, status.Id);
    }

    /// <summary>Parses a job's <c>output</c> held whole in memory (for an output read by <see cref="RunPodClient"/>, use <see cref="Parse(RunPodJobStatus)"/>).</summary>
    /// <param name="output">The output node (may be null).</param>
    /// <returns>The parsed output.</returns>
    public static RunPodWorkerOutput Parse(JsonNode? output) => Parse(output, [], null);

    private static RunPodWorkerOutput Parse(JsonNode? output, IReadOnlyList<string> cut, string? jobId)
    {
        var files = new List<RunPodOutputItem>();
        var errors = new List<string>();
        if (output is not JsonObject obj)
        {
            return new RunPodWorkerOutput(files, errors, false, false);
        }

        switch (obj["errors"])
        {
            case JsonArray list:
                errors.AddRange(list.Select(e => e is JsonValue v && v.TryGetValue<string>(out var s) ? s : e?.ToJsonString() ?? string.Empty));
                break;
            case JsonValue one:
                errors.Add(one.ToString());
                break;
        }

        if (obj["error"] is { } error)
        {
            var details = obj["details"] is JsonArray d ? ": " + string.Join("; ", d.Select(x => x?.ToString())) : string.Empty;
            errors.Insert(0, (error is JsonValue ev && ev.TryGetValue<string>(out var es) ? es : error.ToJsonString()) + details);
        }

        var noImages = string.Equals(obj["status"]?.ToString(), "success_no_images", StringComparison.Ordinal);
        string? Deferred(string pointer) => jobId is not null && cut.Contains(pointer, StringComparer.Ordinal) ? pointer : null;
        if (obj["images"] is JsonArray images)
        {
            var index = 0;
            for (var i = 0; i < images.Count; i++)
            {
                if (images[i] is not JsonObject image)
                {
                    continue;
                }

                index++;
                var data = image["data"]?.ToString() ?? string.Empty;
                var type = image["type"]?.ToString() ?? "base64";
                var isUrl = type == "s3_url" || IsHttpUrl(data);
                var name = SafeName(image["filename"]?.ToString()) ?? $"output_{index}{(isUrl ? ExtensionOfUrl(data) : ExtensionOfData(data))}";
                var deferred = Deferred(FormattableString.Invariant($"/output/images/{i}/data"));
                files.Add(new RunPodOutputItem(name, isUrl, isUrl ? data : StripDataUri(data)) { JobId = deferred is null ? null : jobId, DeferredPath = deferred });
            }

            return new RunPodWorkerOutput(files, errors, noImages, false);
        }

        if (obj["message"] is JsonValue message && message.TryGetValue<string>(out var text) && text.Length > 0)
        {
            var isUrl = IsHttpUrl(text);
            var name = isUrl ? SafeName(Uri.UnescapeDataString(new Uri(text).AbsolutePath.Split('/')[^1])) ?? "output" + ExtensionOfUrl(text) : "output" + ExtensionOfData(text);
            var deferred = Deferred("/output/message");
            files.Add(new RunPodOutputItem(name, isUrl, isUrl ? text : StripDataUri(text)) { JobId = deferred is null ? null : jobId, DeferredPath = deferred });
            return new RunPodWorkerOutput(files, errors, noImages, true);
        }

        return new RunPodWorkerOutput(files, errors, noImages, false);
    }

    /// <summary>Removes a <c>data:…;base64,</c> prefix.</summary>
    /// <param name="data">Base64 with or without a data-URI prefix.</param>
    /// <returns>The bare base64.</returns>
    public static string StripDataUri(string data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var comma = data.StartsWith("data:", StringComparison.Ordinal) ? data.IndexOf(',', StringComparison.Ordinal) : -1;
        return comma >= 0 ? data[(comma + 1)..] : data;
    }

    private static bool IsHttpUrl(string data)
        => data.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || data.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    private static string? SafeName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return null;
        }

        var leaf = name.Replace('\\', '/').Split('/')[^1];
        return leaf is "" or "." or ".." ? null : leaf;
    }

    private static string ExtensionOfUrl(string url)
    {
        var ext = Uri.TryCreate(url, UriKind.Absolute, out var uri) ? Path.GetExtension(uri.AbsolutePath) : string.Empty;
        return string.IsNullOrEmpty(ext) ? ".png" : ext.ToLowerInvariant();
    }

    private static string ExtensionOfData(string data)
    {
        if (data.StartsWith("data:", StringComparison.Ordinal))
        {
            var media = data[5..Math.Max(5, data.IndexOfAny([';', ','], 5))];
            return media switch
            {
                "image/jpeg" => ".jpg",
                "image/webp" => ".webp",
                "image/gif" => ".gif",
                "video/mp4" => ".mp4",
                "video/webm" => ".webm",
                "audio/wav" or "audio/x-wav" => ".wav",
                "audio/mpeg" => ".mp3",
                "audio/flac" => ".flac",
                "text/plain" => ".txt",
                _ => ".png",
            };
        }

        // Sniff the first bytes of bare base64.
        return data switch
        {
            _ when data.StartsWith("/9j/", StringComparison.Ordinal) => ".jpg",
            _ when data.StartsWith("UklGR", StringComparison.Ordinal) => ".webp",
            _ when data.StartsWith("R0lGOD", StringComparison.Ordinal) => ".gif",
            _ when data.Length > 8 && data[4..8] == "ZnR5" => ".mp4",
            _ => ".png",
        };
    }
}
