using System.Diagnostics;
using Dhee.Bundles;
using Dhee.Diagnostics;
using Dhee.Runners;

namespace Dhee.Walking;

/// <summary>
/// The spans and metrics of one walk: <c>dhee.walk</c> → <c>dhee.node</c> → <c>dhee.item</c>, plus the node counters,
/// durations and cost. Kept out of <see cref="WalkSession"/> so the scheduler only calls in at a few points; with nobody
/// listening every call returns after a flag check.
/// </summary>
internal sealed class WalkTelemetry
{
    private readonly Dictionary<PlannedNode, CollectionSpan> _collections = [];
    private readonly TimeProvider _time;
    private Activity? _walk;

    public WalkTelemetry(TimeProvider time) => _time = time;

    /// <summary>Counts a node that failed before any of its instances ran (its items could not be read).</summary>
    public static void NodeFailed(string tool, string code)
    {
        if (DheeTelemetry.NodesFailed.Enabled)
        {
            DheeTelemetry.NodesFailed.Add(1, new KeyValuePair<string, object?>(TelemetryTags.Tool, tool), new KeyValuePair<string, object?>(TelemetryTags.ErrorType, code));
        }
    }

    /// <summary>Starts the walk span; it becomes the current activity of the walk's loop and of every runner task it starts.</summary>
    public Activity? StartWalk(Bundle bundle, string walkId, string target, int nodes)
    {
        if (!DheeTelemetry.Source.HasListeners())
        {
            return null;
        }

        _walk = DheeTelemetry.Source.StartActivity(DheeTelemetry.WalkSpan, ActivityKind.Internal);
        _walk?.SetTag(TelemetryTags.WalkId, walkId)
            .SetTag(TelemetryTags.BundleId, bundle.Id)
            .SetTag(TelemetryTags.WalkTarget, target)
            .SetTag(TelemetryTags.WalkNodes, nodes);
        return _walk;
    }

    /// <summary>Ends the collection node spans, then tags the walk span with the result.</summary>
    public void EndWalk(Activity? walk, WalkResult result)
    {
        if (walk is null)
        {
            return;
        }

        lock (_collections)
        {
            foreach (var span in _collections.Values)
            {
                span.Activity.SetTag(TelemetryTags.Items, span.Items);
                if (span.Failed > 0)
                {
                    DheeTelemetry.SetError(span.Activity, $"{span.Failed} of {span.Items} items failed");
                }

                span.Activity.SetEndTime(span.LastEnd);
                span.Activity.Stop();
            }

            _collections.Clear();
        }

        Activity.Current = walk; // stopping a span restores the activity that was current where it started
        walk.SetTag(TelemetryTags.WalkStatus, result.Status.ToString().ToLowerInvariant());
        if (result.Status == WalkStatus.Failed)
        {
            DheeTelemetry.SetError(walk, result.Message);
        }
    }

    /// <summary>
    /// Starts the span one instance runs under, on the runner task: a <c>dhee.node</c> span for a stage node, a
    /// <c>dhee.item</c> span for a collection item (child of its node's span, started with the first item).
    /// </summary>
    public Activity? StartInstance(Instance instance)
    {
        if (_walk is null || !DheeTelemetry.Source.HasListeners())
        {
            return null;
        }

        var node = instance.Node;
        if (instance.ItemId is null)
        {
            var stage = DheeTelemetry.Source.StartActivity(DheeTelemetry.NodeSpan, ActivityKind.Internal, _walk.Context);
            stage?.SetTag(TelemetryTags.NodeId, node.Id).SetTag(TelemetryTags.Tool, node.Tool);
            return stage;
        }

        ActivityContext parent;
        lock (_collections)
        {
            if (!_collections.TryGetValue(node, out var span))
            {
                var previous = Activity.Current;
                var activity = DheeTelemetry.Source.StartActivity(DheeTelemetry.NodeSpan, ActivityKind.Internal, _walk.Context);
                Activity.Current = previous; // the node span stays open across items; items become current, not it
                if (activity is null)
                {
                    return null;
                }

                activity.SetTag(TelemetryTags.NodeId, node.Id).SetTag(TelemetryTags.Tool, node.Tool);
                span = new CollectionSpan(activity);
                _collections[node] = span;
            }

            span.Items++;
            parent = span.Activity.Context;
        }

        var item = DheeTelemetry.Source.StartActivity(DheeTelemetry.ItemSpan, ActivityKind.Internal, parent);
        item?.SetTag(TelemetryTags.NodeId, node.Id).SetTag(TelemetryTags.ItemId, instance.ItemId).SetTag(TelemetryTags.Tool, node.Tool);
        return item;
    }

    /// <summary>A timestamp to pass to <see cref="EndInstance"/> when durations are measured, else 0.</summary>
    public long StartTimestamp() => DheeTelemetry.NodeDuration.Enabled ? _time.GetTimestamp() : 0;

    /// <summary>Ends an instance's span and records the node metrics (counters, duration, cost).</summary>
    public void EndInstance(Activity? activity, Instance instance, bool success, bool cancelled, RunnerResult? result, string? error, string? code, long started)
    {
        if (activity is null && started == 0 && !DheeTelemetry.NodesRun.Enabled && !DheeTelemetry.NodesCached.Enabled && !DheeTelemetry.NodesFailed.Enabled && !DheeTelemetry.Cost.Enabled)
        {
            return; // nobody listens: skip reading the result's metadata
        }

        var tool = instance.Node.Tool;
        var cached = result?.Cached == true;
        var outcome = cancelled ? "cancelled" : !success ? "failed" : cached ? "cached" : "run";
        var cost = success && !cached ? result!.CostUsd : 0m;
        var toolTag = new KeyValuePair<string, object?>(TelemetryTags.Tool, tool);
        if (!cancelled)
        {
            var counter = !success ? DheeTelemetry.NodesFailed : cached ? DheeTelemetry.NodesCached : DheeTelemetry.NodesRun;
            if (counter.Enabled)
            {
                if (success)
                {
                    counter.Add(1, toolTag);
                }
                else
                {
                    counter.Add(1, toolTag, new KeyValuePair<string, object?>(TelemetryTags.ErrorType, code ?? "runner"));
                }
            }

            if (cost > 0 && DheeTelemetry.Cost.Enabled)
            {
                DheeTelemetry.Cost.Add((double)cost, toolTag);
            }
        }

        if (started != 0 && DheeTelemetry.NodeDuration.Enabled)
        {
            DheeTelemetry.NodeDuration.Record(_time.GetElapsedTime(started).TotalSeconds, toolTag, new KeyValuePair<string, object?>(TelemetryTags.Outcome, outcome));
        }

        if (activity is null)
        {
            return;
        }

        activity.SetTag(TelemetryTags.Outcome, outcome).SetTag(TelemetryTags.Attempts, instance.Attempts);
        if (success)
        {
            activity.SetTag(TelemetryTags.CacheHit, cached);
            if (cost > 0)
            {
                activity.SetTag(TelemetryTags.CostUsd, (double)cost);
            }
        }
        else if (!cancelled)
        {
            DheeTelemetry.SetError(activity, error, code ?? "runner");
        }

        activity.Stop();
        if (instance.ItemId is not null)
        {
            lock (_collections)
            {
                if (_collections.TryGetValue(instance.Node, out var span))
                {
                    var end = activity.StartTimeUtc + activity.Duration;
                    span.LastEnd = end > span.LastEnd ? end : span.LastEnd;
                    span.Failed += !success && !cancelled ? 1 : 0;
                }
            }
        }
    }

    private sealed class CollectionSpan(Activity activity)
    {
        public Activity Activity { get; } = activity;

        public int Items { get; set; }

        public int Failed { get; set; }

        public DateTime LastEnd { get; set; } = activity.StartTimeUtc;
    }
}
