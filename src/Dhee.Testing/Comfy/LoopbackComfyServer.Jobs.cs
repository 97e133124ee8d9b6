using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Dhee.Testing.Comfy;

/// <content>The jobs API of newer servers (<c>/api/jobs</c>): one record per prompt from the queue and the history, and an atomic cancel.</content>
public sealed partial class LoopbackComfyServer
{
    private static readonly HashSet<string> PreviewableKinds = new(StringComparer.Ordinal) { "images", "video", "audio", "3d", "text" };

    private Task HandleJobsAsync(HttpContext ctx, string method, string path)
    {
        var rest = path.Length > 5 ? path[6..] : string.Empty;
        if (HttpMethods.IsGet(method) && rest.Length == 0)
        {
            return WriteJsonAsync(ctx, 200, JobList(ctx.Request.Query["status"].ToString(), ctx.Request.Query["limit"].ToString(), ctx.Request.Query["offset"].ToString()));
        }

        if (HttpMethods.IsPost(method) && rest.EndsWith("/cancel", StringComparison.Ordinal) && rest.Count(c => c == '/') == 1)
        {
            return WriteJsonAsync(ctx, 200, new JsonObject { ["cancelled"] = CancelJob(Uri.UnescapeDataString(rest[..^7])) });
        }

        if (HttpMethods.IsGet(method) && !rest.Contains('/', StringComparison.Ordinal))
        {
            var job = Job(Uri.UnescapeDataString(rest));
            return job is null
                ? WriteJsonAsync(ctx, 404, new JsonObject { ["error"] = "Job not found" })
                : WriteJsonAsync(ctx, 200, job);
        }

        return WriteTextAsync(ctx, 404, "404: Not Found");
    }

    private JsonObject? Job(string id)
    {
        lock (_gate)
        {
            if (_history.TryGetValue(id, out var entry))
            {
                return HistoryJob(id, entry, details: true);
            }

            if (_running?.Id == id)
            {
                return QueueJob(_running, "in_progress", details: true);
            }

            var pending = _pending.FirstOrDefault(p => p.Id == id);
            return pending is null ? null : QueueJob(pending, "pending", details: true);
        }
    }

    private JsonObject JobList(string status, string limitText, string offsetText)
    {
        var wanted = status.Length == 0 ? null : status.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        var jobs = new List<JsonObject>();
        lock (_gate)
        {
            if (_running is not null)
            {
                jobs.Add(QueueJob(_running, "in_progress", details: false));
            }

            jobs.AddRange(_pending.Select(p => QueueJob(p, "pending", details: false)));
            jobs.AddRange(_historyOrder.Select(id => HistoryJob(id, _history[id], details: false)));
        }

        jobs = [.. jobs.Where(j => wanted is null || wanted.Contains(j["status"]!.GetValue<string>()))
            .OrderByDescending(j => j["create_time"]?.GetValue<long>() ?? 0)];
        var offset = int.TryParse(offsetText, out var o) ? Math.Max(0, o) : 0;
        int? limit = int.TryParse(limitText, out var l) && l > 0 ? l : null;
        var page = jobs.Skip(offset).Take(limit ?? int.MaxValue).ToList();
        return new JsonObject
        {
            ["jobs"] = new JsonArray([.. page]),
            ["pagination"] = new JsonObject { ["offset"] = offset, ["limit"] = limit, ["total"] = jobs.Count, ["has_more"] = offset + page.Count < jobs.Count },
        };
    }

    private bool CancelJob(string id)
    {
        lock (_gate)
        {
            if (_pending.RemoveAll(p => p.Id == id) > 0)
            {
                return true;
            }

            if (_running?.Id == id)
            {
                _interruptTarget = id;
                return true;
            }

            return false;
        }
    }

    private static JsonObject QueueJob(QueuedPrompt prompt, string status, bool details)
    {
        var job = new JsonObject { ["id"] = prompt.Id, ["status"] = status, ["priority"] = prompt.Number };
        if (prompt.ExtraData["create_time"] is JsonValue created)
        {
            job["create_time"] = created.DeepClone();
        }

        job["outputs_count"] = 0;
        job["previewable_outputs_count"] = 0;
        if (details)
        {
            job["workflow"] = new JsonObject { ["prompt"] = prompt.Graph.DeepClone(), ["extra_data"] = prompt.ExtraData.DeepClone() };
        }

        return job;
    }

    private static JsonObject HistoryJob(string id, JsonObject entry, bool details)
    {
        var tuple = entry["prompt"]!.AsArray();
        var extra = tuple[3] as JsonObject ?? [];
        var statusInfo = entry["status"] as JsonObject ?? [];
        long? started = null, ended = null;
        JsonNode? error = null;
        var interrupted = false;
        foreach (var message in statusInfo["messages"] as JsonArray ?? [])
        {
            var kind = message?[0]?.ToString();
            var data = message?[1];
            switch (kind)
            {
                case "execution_start":
                    started = data?["timestamp"]?.GetValue<long>();
                    break;
                case "execution_success" or "execution_error" or "execution_interrupted":
                    ended = data?["timestamp"]?.GetValue<long>();
                    error = kind == "execution_error" ? data?.DeepClone() : error;
                    interrupted |= kind == "execution_interrupted";
                    break;
            }
        }

        var failed = statusInfo["status_str"]?.ToString() == "error";
        var outputs = entry["outputs"] as JsonObject ?? [];
        var files = outputs.SelectMany(n => (n.Value as JsonObject ?? []).Where(k => k.Key != "animated" && k.Value is JsonArray)
            .SelectMany(k => k.Value!.AsArray().OfType<JsonObject>().Where(f => f["filename"] is not null).Select(f => (Node: n.Key, Kind: k.Key, File: f)))).ToList();
        var job = new JsonObject
        {
            ["id"] = id,
            ["status"] = failed ? (interrupted ? "cancelled" : "failed") : "completed",
            ["priority"] = tuple[0]?.DeepClone(),
        };
        if (extra["create_time"] is JsonValue created)
        {
            job["create_time"] = created.DeepClone();
        }

        if (started is not null)
        {
            job["execution_start_time"] = started;
        }

        if (ended is not null)
        {
            job["execution_end_time"] = ended;
        }

        if (error is not null)
        {
            job["execution_error"] = error;
        }

        job["outputs_count"] = files.Count;
        job["previewable_outputs_count"] = files.Count(f => PreviewableKinds.Contains(f.Kind));
        var preview = files.Where(f => PreviewableKinds.Contains(f.Kind)).OrderBy(f => f.File["type"]?.ToString() == "output" ? 0 : 1).FirstOrDefault();
        if (preview.File is not null)
        {
            var item = (JsonObject)preview.File.DeepClone();
            item["nodeId"] = preview.Node;
            item["mediaType"] = preview.Kind;
            job["preview_output"] = item;
        }

        if (details)
        {
            job["outputs"] = outputs.DeepClone();
            job["execution_status"] = statusInfo.DeepClone();
            job["workflow"] = new JsonObject { ["prompt"] = tuple[2]?.DeepClone(), ["extra_data"] = extra.DeepClone() };
        }

        return job;
    }

    private static bool IsJobsRoute(string path) => path == "/jobs" || path.StartsWith("/jobs/", StringComparison.Ordinal);
}
