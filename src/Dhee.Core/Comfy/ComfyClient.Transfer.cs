using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dhee.Diagnostics;
using Dhee.Utils;

namespace Dhee.Comfy;

/// <content>Uploads and downloads: retried on transient faults, content-hash-named uploads, streamed atomic downloads.</content>
public sealed partial class ComfyClient
{
    /// <summary>Uploads a file to the server's input folder (or a mask), retrying transient faults. With content-hash names (the default) the same bytes are uploaded once per server.</summary>
    /// <param name="filePath">The local file.</param>
    /// <param name="kind">Image or mask.</param>
    /// <param name="originalRef">For masks: the uploaded image the mask belongs to.</param>
    /// <param name="cancellationToken">Cancels the upload.</param>
    /// <returns>The stored name: always use it in the workflow.</returns>
    public async Task<ComfyUploadResult> UploadAsync(string filePath, ComfyUploadKind kind = ComfyUploadKind.Image, ComfyUploadResult? originalRef = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(filePath);
        if (!File.Exists(filePath))
        {
            throw new FileNotFoundException($"The file to upload to ComfyUI does not exist: {filePath}", filePath);
        }

        if (kind == ComfyUploadKind.Mask && originalRef is null)
        {
            throw new ArgumentException("A mask upload needs originalRef: the uploaded image the mask belongs to.", nameof(originalRef));
        }

        string hash;
        var stream = new FileStream(filePath, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (stream.ConfigureAwait(false))
        {
            hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
        }

        var extension = Path.GetExtension(filePath).ToLowerInvariant();
        var name = _options.ContentHashUploadNames ? $"dhee-{hash[..24]}{extension}" : Path.GetFileName(filePath);
        var cacheKey = $"{EndpointKey}|{kind}|{hash}|{originalRef?.WorkflowValue}";
        if (_options.ContentHashUploadNames && UploadCache.TryGetValue(cacheKey, out var known))
        {
            return known with { Reused = true };
        }

        var route = kind == ComfyUploadKind.Mask ? "upload/mask" : "upload/image";
        var (status, text) = await WrapAsync(
            () => _retry.ExecuteAsync(
                async ct =>
                {
                    using var form = new MultipartFormDataContent();
                    var file = new StreamContent(new FileStream(filePath, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan));
                    file.Headers.ContentType = new MediaTypeHeaderValue(ComfyMediaTypes.ForExtension(extension));
                    form.Add(file, "image", name);
                    form.Add(new StringContent(_options.ContentHashUploadNames ? "true" : "false"), "overwrite");
                    form.Add(new StringContent("input"), "type");
                    if (originalRef is not null)
                    {
                        form.Add(new StringContent(new JsonObject { ["filename"] = originalRef.Name, ["subfolder"] = originalRef.Subfolder, ["type"] = originalRef.Type }.ToJsonString()), "original_ref");
                    }

                    using var request = new HttpRequestMessage(HttpMethod.Post, _address.Route(route)) { Content = form };
                    ApplyHeaders(request);
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    timeout.CancelAfter(_options.RequestTimeout * 4);
                    try
                    {
                        using var response = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
                        var body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
                        if (IsTransient(response.StatusCode))
                        {
                            throw new ComfyTransientException($"POST /{route} answered {(int)response.StatusCode}", response.StatusCode);
                        }

                        return (response.StatusCode, body);
                    }
                    catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                    {
                        throw new TimeoutException($"ComfyUI at {_address.Display} did not finish the upload of {Path.GetFileName(filePath)} in time");
                    }
                },
                cancellationToken).AsTask(),
            "POST",
            route).ConfigureAwait(false);

        if (status != HttpStatusCode.OK)
        {
            throw new ComfyException($"ComfyUI at {_address.Display} refused the upload of {Path.GetFileName(filePath)} with {(int)status}: {Snippet(text)}", status);
        }

        JsonObject answer;
        try
        {
            answer = JsonNode.Parse(text) as JsonObject ?? throw new JsonException("not an object");
        }
        catch (JsonException ex)
        {
            throw new ComfyException($"ComfyUI at {_address.Display} answered the upload with invalid JSON: {Snippet(text)}", status, ex);
        }

        var result = new ComfyUploadResult(answer["name"]?.ToString() ?? name, answer["subfolder"]?.ToString() ?? string.Empty, answer["type"]?.ToString() ?? "input", false);
        if (_options.ContentHashUploadNames)
        {
            UploadCache[cacheKey] = result;
        }

        return result;
    }

    /// <summary>Downloads an output to a file: streamed (never buffered whole), length-verified, retried with resume (HTTP range) or clean restart, and atomic (a temporary file renamed into place; no partial file is ever left).</summary>
    /// <param name="file">The output.</param>
    /// <param name="destinationPath">Where to write it.</param>
    /// <param name="cancellationToken">Cancels the download.</param>
    /// <returns>The number of bytes written.</returns>
    public async Task<long> DownloadAsync(ComfyOutputFile file, string destinationPath, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentException.ThrowIfNullOrWhiteSpace(destinationPath);
        var full = Path.GetFullPath(destinationPath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = AtomicFile.TempPathFor(full);
        try
        {
            var total = await WrapAsync(() => _retry.ExecuteAsync(ct => DownloadAttemptAsync(file, temp, ct), cancellationToken).AsTask(), "GET", "view").ConfigureAwait(false);
            if (total == 0)
            {
                throw new ComfyException($"ComfyUI at {_address.Display} returned an empty file for output {file.Filename} of node {file.NodeId}.");
            }

            File.Move(temp, full, overwrite: true);
            DheeTelemetry.BytesDownloaded.Add(total, new KeyValuePair<string, object?>(TelemetryTags.EndpointKind, TelemetryTags.ComfyUIKind));
            return total;
        }
        finally
        {
            AtomicFile.TryDelete(temp);
        }
    }

    private async ValueTask<long> DownloadAttemptAsync(ComfyOutputFile file, string temp, CancellationToken ct)
    {
        var existing = File.Exists(temp) ? new FileInfo(temp).Length : 0;
        var query = $"view?filename={Uri.EscapeDataString(file.Filename)}&subfolder={Uri.EscapeDataString(file.Subfolder)}&type={Uri.EscapeDataString(file.Type)}";
        using var request = new HttpRequestMessage(HttpMethod.Get, _address.Route(query));
        ApplyHeaders(request);
        if (existing > 0)
        {
            request.Headers.Range = new RangeHeaderValue(existing, null);
        }

        HttpResponseMessage response;
        using (var headers = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            headers.CancelAfter(_options.RequestTimeout);
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, headers.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException($"ComfyUI at {_address.Display} did not start sending {file.Filename} within {_options.RequestTimeout.TotalSeconds:0.#} s");
            }
        }

        using (response)
        {
            if (IsTransient(response.StatusCode))
            {
                throw new ComfyTransientException($"GET /view {file.Filename} answered {(int)response.StatusCode}", response.StatusCode);
            }

            if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.PartialContent))
            {
                throw new ComfyException($"ComfyUI at {_address.Display} answered {(int)response.StatusCode} for output {file.Filename} (subfolder '{file.Subfolder}', type {file.Type}) of node {file.NodeId}; the file is gone or the path was refused.", response.StatusCode);
            }

            var resume = response.StatusCode == HttpStatusCode.PartialContent && existing > 0;
            var offset = resume ? existing : 0;
            long? expected = response.Content.Headers.ContentLength is long len ? offset + len : null;
            var output = new FileStream(temp, resume ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
            await using (output.ConfigureAwait(false))
            {
                var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
                await using (body.ConfigureAwait(false))
                {
                    var buffer = ArrayPool<byte>.Shared.Rent(256 * 1024);
                    try
                    {
                        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
                        while (true)
                        {
                            idle.CancelAfter(_options.DownloadIdleTimeout);
                            int read;
                            try
                            {
                                read = await body.ReadAsync(buffer, idle.Token).ConfigureAwait(false);
                            }
                            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                            {
                                throw new TimeoutException($"ComfyUI at {_address.Display} stopped sending {file.Filename} for {_options.DownloadIdleTimeout.TotalSeconds:0.#} s");
                            }

                            if (read == 0)
                            {
                                break;
                            }

                            await output.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
                            offset += read;
                        }
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                    }
                }

                await output.FlushAsync(ct).ConfigureAwait(false);
            }

            if (expected is long want && offset != want)
            {
                throw new ComfyTransientException($"short download of {file.Filename}: {offset} of {want} bytes");
            }

            return offset;
        }
    }
}
