using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dhee.Comfy;

/// <content>The jobs API of newer servers (<c>/api/jobs/{id}</c>): one read that sees the queue and the history at once, and an atomic cancel. Probed once; older servers answer a plain 404 and the client keeps using <c>/history</c> + <c>/queue</c>.</content>
public sealed partial class ComfyClient
{
    private const int JobsUnknown = 0;
    private const int JobsServed = 1;
    private const int JobsAbsent = -1;
    private const int MaxInconclusiveJobProbes = 3;
    private int _jobsApi = JobsUnknown;
    private int _jobsInconclusive;

    /// <summary>Gets a value indicating whether the server was found to serve the jobs API (null until the first prompt status is read).</summary>
    public bool? ServesJobsApi => Volatile.Read(ref _jobsApi) switch { JobsServed => true, JobsAbsent => false, _ => null };

    /// <summary>The jobs API lives under <c>/api</c> whether or not the base address has it.</summary>
    private string JobsRoute(string relative)
        => (_address.HttpBase.AbsolutePath.EndsWith("/api/", StringComparison.Ordinal) ? "jobs/" : "api/jobs/") + relative;

    /// <summary>Reads one job. Supported is false when the server has no jobs API (then Job is null).</summary>
    private async Task<(bool Supported, JsonObject? Job)> TryGetJobAsync(string promptId, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _jobsApi) == JobsAbsent)
        {
            return (false, null);
        }

        var route = JobsRoute(Uri.EscapeDataString(promptId));
        HttpStatusCode status;
        string body;
        try
        {
            (status, body) = await WrapAsync(() => SendForTextAsync(HttpMethod.Get, route, null, cancellationToken), "GET", route).ConfigureAwait(false);
        }
        catch (ComfyException) when (Volatile.Read(ref _jobsApi) != JobsServed)
        {
            // A proxy that refuses unknown routes: use the classic routes rather than fail.
            Volatile.Write(ref _jobsApi, JobsAbsent);
            return (false, null);
        }

        JsonObject? json = null;
        try
        {
            json = JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            // A text 404 page: no jobs API.
        }

        if (status == HttpStatusCode.OK && json?["status"] is JsonValue)
        {
            Volatile.Write(ref _jobsApi, JobsServed);
            return (true, json);
        }

        // The jobs API answers an unknown id with a JSON error, a server without it with a plain-text 404. A JSON 404 is
        // trusted as "unknown job" only once the API has been seen answering: some proxies send JSON 404s for any route.
        if (status == HttpStatusCode.NotFound && json?["error"] is not null)
        {
            if (Volatile.Read(ref _jobsApi) == JobsServed)
            {
                return (true, null);
            }

            if (Interlocked.Increment(ref _jobsInconclusive) >= MaxInconclusiveJobProbes)
            {
                Volatile.Write(ref _jobsApi, JobsAbsent);
            }

            return (false, null);
        }

        Volatile.Write(ref _jobsApi, JobsAbsent);
        return (false, null);
    }

    /// <summary>Maps a job record onto the prompt state machine; null when the record lacks what is needed (then the classic routes decide).</summary>
    private async Task<(ComfyPromptStatus Status, ComfyPromptResult? Result, int Position)?> StatusFromJobAsync(string promptId, JsonObject? job, CancellationToken cancellationToken)
    {
        switch (job?["status"]?.ToString())
        {
            case null:
                return (ComfyPromptStatus.Lost, null, 0);
            case "in_progress":
                return (ComfyPromptStatus.Running, null, 0);
            case "pending":
                var queue = await GetQueueAsync(cancellationToken).ConfigureAwait(false);
                return (ComfyPromptStatus.Queued, null, queue.Pending.ToList().IndexOf(promptId) + 1);
            case "completed" or "failed" or "cancelled" when job["execution_status"] is JsonObject statusInfo:
                var entry = new JsonObject { ["outputs"] = job["outputs"]?.DeepClone() ?? new JsonObject(), ["status"] = statusInfo.DeepClone() };
                var result = ParseHistory(promptId, entry);
                return (result.Status, result, 0);
            default:
                return null;
        }
    }

    /// <summary>Cancels through the jobs API: the server dequeues or interrupts atomically, so another prompt is never hit.</summary>
    /// <returns>The status the prompt had when cancelled, or null when the jobs API is absent or did not act.</returns>
    private async Task<ComfyPromptStatus?> TryCancelJobAsync(string promptId, CancellationToken cancellationToken)
    {
        var (supported, job) = await TryGetJobAsync(promptId, cancellationToken).ConfigureAwait(false);
        var before = job?["status"]?.ToString();
        if (!supported || before is not ("pending" or "in_progress"))
        {
            return null;
        }

        var route = JobsRoute(Uri.EscapeDataString(promptId) + "/cancel");
        using var content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        var (status, body) = await WrapAsync(() => SendForTextAsync(HttpMethod.Post, route, content, cancellationToken), "POST", route).ConfigureAwait(false);
        var cancelled = status == HttpStatusCode.OK && body.Contains("true", StringComparison.Ordinal);
        return cancelled ? (before == "pending" ? ComfyPromptStatus.Queued : ComfyPromptStatus.Running) : null;
    }
}
