using System.Text.Json.Nodes;
using Dhee.Server.Runs;
using Dhee.Utils;
using Dhee.Walking;

namespace Dhee.Server.Execution;

/// <summary>
/// Executes runs with the <see cref="Walker"/>: walks the bundle over the run's project folder (so a resumed run skips
/// what is already done), forwards every walk event, and maps the walk result to the run result.
/// </summary>
public sealed class WalkerRunExecutor : IRunExecutor
{
    private static readonly HashSet<string> TextExtensions = new(StringComparer.OrdinalIgnoreCase) { ".txt", ".md", ".json", ".csv", ".srt", ".vtt" };
    private readonly Walker walker;
    private readonly WalkerRunExecutorOptions options;
    private readonly TimeProvider time;

    /// <summary>Initializes a new instance of the <see cref="WalkerRunExecutor"/> class.</summary>
    /// <param name="walker">The walker, with the runners it may use.</param>
    /// <param name="options">How to walk; null for the defaults.</param>
    /// <param name="timeProvider">The clock; null for the system clock.</param>
    public WalkerRunExecutor(Walker walker, WalkerRunExecutorOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(walker);
        this.walker = walker;
        this.options = options ?? new WalkerRunExecutorOptions();
        time = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc/>
    public async ValueTask<RunResult> ExecuteAsync(RunExecutionRequest request, IRunEventSink events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(events);
        var walkOptions = new WalkOptions
        {
            ProjectDir = request.ProjectDir,
            MaxParallelism = options.MaxParallelism,
            Cache = options.Cache,
            Retry = options.Retry,
            BudgetCapUsd = options.BudgetCapUsd,
            Services = options.Services,
            Endpoints = options.Endpoints,
            LoggerFactory = options.LoggerFactory,
            TimeProvider = time,
            WatchStopFile = false,
            Progress = new Forwarder(this, request.ProjectDir, events),
        };
        var walk = await walker.WalkAsync(request.Bundle, walkOptions, cancellationToken).ConfigureAwait(false);
        var traces = walk.Traces.Select(t => new RunNodeTrace
        {
            NodeId = t.NodeId,
            ItemId = t.ItemId,
            Runner = t.Tool,
            Status = t.Status == InstanceStatus.Completed && t.Cached ? "cached" : StatusName(t.Status),
            StartedAt = t.StartedAt,
            FinishedAt = t.EndedAt,
            Output = t.OutputPath,
            Preview = t.OutputPath is null ? null : Preview(request.ProjectDir, t.OutputPath),
            Credits = t.CostUsd,
            Error = t.Error,
        }).ToArray();
        var errors = walk.Failures.Select(f => new RunNodeError(f.NodeId, f.ItemId, f.Tool, f.Message)).ToList();
        if (walk.Status == WalkStatus.BudgetExceeded)
        {
            errors.Add(new RunNodeError(walk.BudgetStoppedAt ?? string.Empty, null, string.Empty, walk.Message));
        }

        return new RunResult
        {
            DagRunId = request.DagRunId,
            Status = walk.Status switch
            {
                WalkStatus.Succeeded => RunStatus.Success,
                WalkStatus.Cancelled => RunStatus.Cancelled,
                _ => RunStatus.Failed,
            },
            Traces = traces,
            NodeErrors = errors,
            TotalCredits = traces.Sum(t => t.Credits),
        };
    }

    /// <summary>The wire kind of a walk event, for example <c>node.completed</c>.</summary>
    /// <param name="kind">The walk event kind.</param>
    /// <returns>The dotted lower-case kind.</returns>
    public static string KindName(WalkEventKind kind) => kind switch
    {
        WalkEventKind.WalkStarted => RunEventKinds.WalkStarted,
        WalkEventKind.CollectionMaterialized => "collection.materialized",
        WalkEventKind.NodeStarted => RunEventKinds.NodeStarted,
        WalkEventKind.NodeProgress => RunEventKinds.NodeProgress,
        WalkEventKind.NodeRetrying => "node.retrying",
        WalkEventKind.NodeCompleted => RunEventKinds.NodeCompleted,
        WalkEventKind.NodeCached => RunEventKinds.NodeCached,
        WalkEventKind.NodeSkipped => RunEventKinds.NodeSkipped,
        WalkEventKind.NodeFailed => RunEventKinds.NodeFailed,
        WalkEventKind.NodeBlocked => RunEventKinds.NodeBlocked,
        WalkEventKind.BudgetExceeded => "budget.exceeded",
        _ => RunEventKinds.WalkFinished,
    };

    private static string StatusName(InstanceStatus status) => status switch
    {
        InstanceStatus.Completed => "completed",
        InstanceStatus.Skipped => "skipped",
        InstanceStatus.Failed => "failed",
        InstanceStatus.Blocked => "blocked",
        InstanceStatus.NotStarted => "notStarted",
        _ => "cancelled",
    };

    private string? Preview(string projectDir, string outputPath)
    {
        if (!TextExtensions.Contains(Path.GetExtension(outputPath)) || !SafePath.TryResolve(projectDir, outputPath, out var full, out _) || !File.Exists(full))
        {
            return null;
        }

        try
        {
            using var reader = new StreamReader(full);
            var buffer = new char[options.PreviewLength];
            var read = reader.ReadBlock(buffer, 0, buffer.Length);
            return new string(buffer, 0, read);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private sealed class Forwarder(WalkerRunExecutor owner, string projectDir, IRunEventSink events) : IProgress<WalkEvent>
    {
        public void Report(WalkEvent value)
        {
            var payload = new JsonObject { ["walkId"] = value.WalkId, ["walkSequence"] = value.Sequence };
            Put(payload, "tool", value.Tool);
            Put(payload, "message", value.Message);
            Put(payload, "fraction", value.Progress);
            Put(payload, "output", value.OutputPath);
            Put(payload, "costUsd", value.CostUsd);
            Put(payload, "itemCount", value.ItemCount);
            Put(payload, "done", value.Done);
            Put(payload, "total", value.Total);
            if (value.Kind is WalkEventKind.NodeCompleted or WalkEventKind.NodeCached or WalkEventKind.NodeSkipped && value.OutputPath is { } output)
            {
                Put(payload, "preview", owner.Preview(projectDir, output));
            }

            events.Emit(KindName(value.Kind), value.NodeId, value.ItemId, payload);
        }

        private static void Put<T>(JsonObject payload, string key, T? value)
        {
            if (value is not null)
            {
                payload[key] = JsonValue.Create(value);
            }
        }
    }
}
