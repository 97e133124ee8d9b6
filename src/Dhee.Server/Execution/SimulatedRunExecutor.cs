using System.Globalization;
using System.Text.Json.Nodes;
using Dhee.Bundles;
using Dhee.Server.Runs;

namespace Dhee.Server.Execution;

/// <summary>
/// Walks a bundle in dependency order WITHOUT running any runner: every node "runs" for <see cref="StepDelay"/> and
/// reports the same events a real walk does, collection nodes fan out into <see cref="ItemsPerCollection"/> items,
/// and each output is a small text file. For demos, designer development and tests of hosts.
/// </summary>
public sealed class SimulatedRunExecutor : IRunExecutor
{
    /// <summary>Gets or sets how long each node instance takes.</summary>
    /// <value>The default value is 200 milliseconds.</value>
    public TimeSpan StepDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Gets or sets how many items each collection node has.</summary>
    /// <value>The default value is 3.</value>
    public int ItemsPerCollection { get; set; } = 3;

    /// <summary>Gets the ids of nodes that fail (their dependents are then blocked).</summary>
    public ISet<string> FailingNodes { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Gets or sets the time source.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <inheritdoc/>
    public async ValueTask<RunResult> ExecuteAsync(RunExecutionRequest request, IRunEventSink events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(events);
        var order = TopologicalOrder(request.Bundle);
        events.Emit(RunEventKinds.WalkStarted, payload: new JsonObject
        {
            ["nodes"] = new JsonArray(order.Select(n => (JsonNode)new JsonObject
            {
                ["id"] = n.Id,
                ["tool"] = n.Runner.Tool,
                ["kind"] = n.Kind == NodeKind.Collection ? "collection" : "stage",
                ["dependsOn"] = new JsonArray(n.Inputs.Select(i => (JsonNode)JsonValue.Create(i.From)!).ToArray()),
                ["items"] = n.Kind == NodeKind.Collection ? ItemsPerCollection : 1,
            }).ToArray()),
        });

        var traces = new List<RunNodeTrace>();
        var errors = new List<RunNodeError>();
        var failed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in order)
        {
            var items = node.Kind == NodeKind.Collection
                ? Enumerable.Range(1, ItemsPerCollection).Select(i => (string?)$"item-{i}").ToArray()
                : [null];
            var blockedBy = node.Inputs.Select(i => i.From).FirstOrDefault(failed.Contains);
            if (blockedBy is not null)
            {
                failed.Add(node.Id);
                var message = $"Blocked: upstream node '{blockedBy}' failed.";
                events.Emit(RunEventKinds.NodeBlocked, node.Id, payload: new JsonObject { ["message"] = message, ["blockedBy"] = blockedBy });
                traces.Add(new RunNodeTrace { NodeId = node.Id, Runner = node.Runner.Tool, Status = "blocked", Error = message });
                continue;
            }

            foreach (var item in items)
            {
                var started = TimeProvider.GetUtcNow();
                events.Emit(RunEventKinds.NodeStarted, node.Id, item, new JsonObject { ["tool"] = node.Runner.Tool });
                for (var step = 1; step <= 3; step++)
                {
                    await Task.Delay(StepDelay / 3, TimeProvider, cancellationToken).ConfigureAwait(false);
                    events.Emit(RunEventKinds.NodeProgress, node.Id, item, new JsonObject { ["fraction"] = step / 3.0 });
                }

                if (FailingNodes.Contains(node.Id))
                {
                    failed.Add(node.Id);
                    var message = $"Simulated failure of node '{node.Id}'.";
                    events.Emit(RunEventKinds.NodeFailed, node.Id, item, new JsonObject { ["runner"] = node.Runner.Tool, ["message"] = message });
                    errors.Add(new RunNodeError(node.Id, item, node.Runner.Tool, message));
                    traces.Add(new RunNodeTrace { NodeId = node.Id, ItemId = item, Runner = node.Runner.Tool, Status = "failed", StartedAt = started, FinishedAt = TimeProvider.GetUtcNow(), Error = message });
                    continue;
                }

                var output = $"outputs/{node.Id}{(item is null ? string.Empty : "/" + item)}.txt";
                var preview = string.Create(CultureInfo.InvariantCulture, $"{node.DisplayName ?? node.Id}{(item is null ? string.Empty : " " + item)}: simulated by {node.Runner.Tool}");
                var full = Path.Combine(request.ProjectDir, output);
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                await File.WriteAllTextAsync(full, preview, cancellationToken).ConfigureAwait(false);
                events.Emit(RunEventKinds.NodeCompleted, node.Id, item, new JsonObject { ["output"] = output, ["preview"] = preview, ["credits"] = 1 });
                traces.Add(new RunNodeTrace
                {
                    NodeId = node.Id,
                    ItemId = item,
                    Runner = node.Runner.Tool,
                    Status = "completed",
                    StartedAt = started,
                    FinishedAt = TimeProvider.GetUtcNow(),
                    Output = output,
                    Preview = preview,
                    Credits = 1,
                });
            }
        }

        events.Emit(RunEventKinds.WalkFinished, payload: new JsonObject { ["failed"] = failed.Count });
        return new RunResult
        {
            DagRunId = request.DagRunId,
            Status = errors.Count == 0 ? RunStatus.Success : RunStatus.Failed,
            Traces = traces,
            NodeErrors = errors,
            TotalCredits = traces.Sum(t => t.Credits),
        };
    }

    private static List<BundleNode> TopologicalOrder(Bundle bundle)
    {
        var ids = bundle.Nodes.Select(n => n.Id).ToHashSet(StringComparer.Ordinal);
        var done = new HashSet<string>(StringComparer.Ordinal);
        var order = new List<BundleNode>();
        while (order.Count < bundle.Nodes.Count)
        {
            var ready = bundle.Nodes.Where(n => !done.Contains(n.Id) && n.Inputs.All(i => !ids.Contains(i.From) || done.Contains(i.From))).ToList();
            if (ready.Count == 0)
            {
                throw new InvalidOperationException($"Bundle '{bundle.Id}' has a cycle; validate it before running.");
            }

            foreach (var node in ready)
            {
                done.Add(node.Id);
                order.Add(node);
            }
        }

        return order;
    }
}
