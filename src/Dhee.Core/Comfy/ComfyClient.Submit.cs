using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Dhee.Comfy;

/// <content>Posting a prompt at most once: a retried POST first looks for the earlier attempt on the server.</content>
public sealed partial class ComfyClient
{
    /// <summary>The <c>extra_data</c> key that carries the client's submission id; ComfyUI echoes <c>extra_data</c> in <c>/queue</c> and <c>/history</c> entries.</summary>
    internal const string SubmissionMarkerKey = "dhee_submission";

    /// <summary>How many of the newest history entries are searched for an earlier attempt (ComfyUI keeps up to 10,000; each carries its whole graph).</summary>
    private const int DedupeHistoryDepth = 256;

    /// <summary>
    /// Posts the prompt, retrying transient failures. A failed attempt may still have been accepted (the answer was lost to a
    /// reset or timeout), so before every new attempt the queue and the history are searched for the submission marker; when
    /// found, that prompt is adopted and nothing is posted again. When the server cannot be asked, nothing is resubmitted.
    /// </summary>
    private async Task<(HttpStatusCode Status, string Body)> PostPromptOnceOnlyAsync(string marker, string body, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var content = new StringContent(body, Encoding.UTF8, "application/json");
                return await SendOnceAsync(HttpMethod.Post, "prompt", content, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ComfyTransientException or HttpRequestException or IOException or TimeoutException)
            {
                _logger.LogWarning("ComfyUI {Endpoint}: POST /prompt failed ({Reason}); checking whether it was accepted before retrying", _address.Display, ex.Message);
                var delay = TimeSpan.FromMilliseconds(Math.Min(10_000, _options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, attempt)) * (0.5 + (Random.Shared.NextDouble() * 0.5)));
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                (string Id, long Number)? found = null;
                try
                {
                    if (!NeverSent(ex))
                    {
                        found = await FindSubmissionAsync(marker, cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (ComfyException check)
                {
                    throw new ComfyException(
                        $"ComfyUI at {_address.Display}: POST /prompt failed ({ex.Message}) and /queue and /history could not be read to tell whether the server accepted it ({check.Message}). "
                        + $"The prompt is not resubmitted so it cannot run twice; before submitting again, look in /queue and /history for extra_data.{SubmissionMarkerKey} = \"{marker}\".",
                        check.StatusCode,
                        ex);
                }

                if (found is { } accepted)
                {
                    _logger.LogInformation("ComfyUI {Endpoint}: the failed POST /prompt had been accepted as {PromptId}; not resubmitting", _address.Display, accepted.Id);
                    return (HttpStatusCode.OK, new JsonObject { ["prompt_id"] = accepted.Id, ["number"] = accepted.Number, ["node_errors"] = new JsonObject() }.ToJsonString());
                }

                if (attempt >= _options.TransientRetries)
                {
                    throw ex is ComfyTransientException transient
                        ? new ComfyException($"ComfyUI at {_address.Display} kept failing POST /prompt after {_options.TransientRetries} retries: {ex.Message}. Is the server overloaded or restarting? (It did not accept the prompt.)", transient.StatusCode, ex)
                        : new ComfyException($"Cannot reach ComfyUI at {_address.Display} (POST /prompt, {_options.TransientRetries} retries): {ex.Message}. Is the server running and the address right? (It did not accept the prompt.)", null, ex);
                }
            }
        }
    }

    /// <summary>A connection that was never made carried no request: there is nothing to look for.</summary>
    private static bool NeverSent(Exception ex)
        => ex is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError };

    /// <summary>Looks for a submission in the queue (running and pending), then in the newest history entries: by prompt id (servers that honour the client's id) or by the marker in <c>extra_data</c> (servers that mint their own).</summary>
    private async Task<(string Id, long Number)?> FindSubmissionAsync(string marker, CancellationToken cancellationToken)
    {
        // Servers with the jobs API keep the client's prompt id: one read answers.
        var (jobsApi, job) = await TryGetJobAsync(marker, cancellationToken).ConfigureAwait(false);
        if (jobsApi && job is not null)
        {
            return (marker, job["priority"] is JsonValue p && p.GetValueKind() == JsonValueKind.Number ? (long)p.GetValue<double>() : 0);
        }

        // Queue before history: a prompt leaves the queue only after its history entry is written, so it cannot slip between the two reads.
        var queue = await GetJsonAsync("queue", cancellationToken).ConfigureAwait(false);
        foreach (var list in new[] { queue?["queue_running"], queue?["queue_pending"] })
        {
            foreach (var entry in (list as JsonArray ?? []).OfType<JsonArray>())
            {
                if (MatchesSubmission(entry, marker) is { } hit)
                {
                    return hit;
                }
            }
        }

        var history = await GetJsonAsync($"history?max_items={DedupeHistoryDepth}", cancellationToken).ConfigureAwait(false);
        foreach (var (id, item) in history as JsonObject ?? [])
        {
            if (item?["prompt"] is JsonArray entry && MatchesSubmission(entry, marker) is { } hit)
            {
                return (id, hit.Number);
            }
        }

        return null;
    }

    /// <summary>Matches a queue or history tuple <c>[number, prompt_id, graph, extra_data, outputs]</c>.</summary>
    private static (string Id, long Number)? MatchesSubmission(JsonArray entry, string marker)
    {
        var id = entry.Count > 1 ? entry[1]?.ToString() : null;
        var extra = entry.Count > 3 ? entry[3] as JsonObject : null;
        if (id is null || (id != marker && extra?[SubmissionMarkerKey]?.ToString() != marker))
        {
            return null;
        }

        var number = entry.Count > 0 && entry[0] is JsonValue n && n.GetValueKind() == JsonValueKind.Number ? (long)n.GetValue<double>() : 0;
        return (id, number);
    }
}
