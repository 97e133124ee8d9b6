using System.Text.Json.Nodes;

namespace Dhee.Server.Runs;

/// <summary>Rebuilds a running run's traces, node errors and credits so far from its stored events.</summary>
internal static class LiveTraces
{
    public static RunResult Build(RunRecord run, IReadOnlyList<RunEvent> events)
    {
        var traces = new Dictionary<(string, string?), RunNodeTrace>();
        var order = new List<(string, string?)>();
        var errors = new List<RunNodeError>();
        foreach (var e in events)
        {
            if (e.Kind == RunEventKinds.RunStarted)
            {
                // A resumed execution reports every node again.
                traces.Clear();
                order.Clear();
                errors.Clear();
                continue;
            }

            if (e.NodeId is null || !e.Kind.StartsWith("node.", StringComparison.Ordinal))
            {
                continue;
            }

            var key = (e.NodeId, e.ItemId);
            if (!traces.TryGetValue(key, out var trace))
            {
                order.Add(key);
                trace = new RunNodeTrace { NodeId = e.NodeId, ItemId = e.ItemId, Runner = Text(e.Payload, "tool") ?? Text(e.Payload, "runner") ?? string.Empty, Status = "running" };
            }

            var status = e.Kind["node.".Length..];
            trace = status switch
            {
                "started" => trace with { Status = "running", StartedAt = e.Ts },
                "progress" or "retrying" => trace with { Status = "running" },
                "completed" or "cached" or "skipped" => trace with
                {
                    Status = status,
                    FinishedAt = e.Ts,
                    Output = Text(e.Payload, "output"),
                    Preview = Text(e.Payload, "preview"),
                    Credits = Number(e.Payload, "costUsd") ?? Number(e.Payload, "credits") ?? 0,
                },
                "failed" or "blocked" => trace with { Status = status, FinishedAt = e.Ts, Error = Text(e.Payload, "message") },
                _ => trace,
            };
            if (status == "failed")
            {
                errors.Add(new RunNodeError(e.NodeId, e.ItemId, trace.Runner, trace.Error ?? "failed"));
            }

            traces[key] = trace;
        }

        var list = order.Select(k => traces[k]).ToArray();
        return new RunResult { DagRunId = run.DagRunId ?? string.Empty, Status = run.Status, Traces = list, NodeErrors = errors, TotalCredits = list.Sum(t => t.Credits) };
    }

    private static string? Text(JsonNode? payload, string key) =>
        payload?[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static decimal? Number(JsonNode? payload, string key) =>
        payload?[key] is JsonValue v && v.TryGetValue<decimal>(out var d) ? d : null;
}
