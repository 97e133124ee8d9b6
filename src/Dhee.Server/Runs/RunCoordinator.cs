using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dhee.Bundles;
using Dhee.Definitions;
using Dhee.Errors;
using Dhee.Server.Execution;
using Dhee.Server.Http;
using Dhee.Server.Storage;
using Dhee.Utils;
using Microsoft.Extensions.Logging;

namespace Dhee.Server.Runs;

/// <summary>Creates, starts, cancels, resumes and prunes runs, and owns their live executions in this process.</summary>
internal sealed class RunCoordinator(
    IRunStore store,
    IRunExecutor executor,
    RunEventHub hub,
    DheeServerOptions options,
    TimeProvider time,
    ILogger<RunCoordinator> logger)
{
    private readonly ConcurrentDictionary<string, LiveRun> live = new(StringComparer.Ordinal);

    public IRunStore Store => store;

    public RunEventHub Hub => hub;

    /// <summary>Resolves what a run executes: its definition converted to a bundle, or its bundle reference loaded.</summary>
    public (Bundle? Bundle, ApiProblem? Problem) ResolveBundle(DagDefinition? definition, string? bundleRef)
    {
        if (definition is not null)
        {
            try
            {
                return (DefinitionBundleConverter.ToBundle(definition), null);
            }
            catch (DheeValidationException ex)
            {
                return (null, ApiProblem.Invalid(ex.Summary, ex.Problems));
            }
        }

        if (string.IsNullOrWhiteSpace(bundleRef))
        {
            return (null, ApiProblem.ContractViolation("Send either 'definition' or 'bundleRef'."));
        }

        if (SafePath.Check(bundleRef) is { } unsafeReason)
        {
            return (null, ApiProblem.UnsafePath($"bundleRef {unsafeReason}; give a path relative to a bundle root."));
        }

        foreach (var root in options.BundleRoots)
        {
            if (!SafePath.TryResolve(root, bundleRef, out var full, out var error))
            {
                return (null, ApiProblem.UnsafePath($"bundleRef {error}."));
            }

            if (!File.Exists(full) && !File.Exists(Path.Combine(full, "bundle.json")))
            {
                continue;
            }

            if (options.BundleLoader is null)
            {
                return (null, new ApiProblem(501, ProblemTypes.Validation, "Bundle references are not enabled.", "Set DheeServerOptions.BundleLoader to load bundles by reference, or send a 'definition'."));
            }

            try
            {
                return (options.BundleLoader(full), null);
            }
            catch (DheeValidationException ex)
            {
                return (null, ApiProblem.Invalid(ex.Summary, ex.Problems));
            }
        }

        return (null, new ApiProblem(404, ProblemTypes.NotFound, "No such bundle.", $"No bundle '{bundleRef}' exists in the configured bundle roots."));
    }

    public async ValueTask<RunRecord> CreateAsync(string owner, Bundle bundle, DagDefinition? definition, string? bundleRef, JsonObject inputs, CancellationToken cancellationToken)
    {
        var preparationId = "prep_" + Guid.NewGuid().ToString("N");
        var projectDir = Path.Combine(Path.GetFullPath(options.ProjectsRoot), preparationId);
        Directory.CreateDirectory(projectDir);
        await AtomicFile.WriteAllTextAsync(Path.Combine(projectDir, "project.json"), inputs.ToJsonString(), cancellationToken).ConfigureAwait(false);
        var run = new RunRecord
        {
            PreparationId = preparationId,
            Owner = owner,
            Title = bundle.DisplayName ?? bundle.Id,
            BundleRef = bundleRef,
            Definition = definition is null ? null : JsonSerializer.SerializeToNode(definition, ServerJson.Options)!.AsObject(),
            Inputs = inputs,
            ProjectDir = projectDir,
            CreatedAt = time.GetUtcNow(),
        };
        await store.CreateAsync(run, cancellationToken).ConfigureAwait(false);
        return run;
    }

    public async ValueTask<(RunRecord? Run, ApiProblem? Problem)> StartAsync(RunRecord run, bool resume, CancellationToken cancellationToken)
    {
        var expected = resume ? RunStatus.Interrupted : RunStatus.Preparing;
        if (run.Status != expected || live.ContainsKey(run.PreparationId))
        {
            return (null, ApiProblem.Conflict(resume
                ? $"Run '{run.PreparationId}' is {run.Status.ToWireName()}; only interrupted runs can be resumed."
                : $"Run '{run.PreparationId}' is {run.Status.ToWireName()}; startRun works once, on a prepared run."));
        }

        var definition = run.Definition?.Deserialize<DagDefinition>(ServerJson.Options);
        var (bundle, problem) = ResolveBundle(definition, run.BundleRef);
        if (bundle is null)
        {
            return (null, problem);
        }

        var liveRun = new LiveRun();
        if (!live.TryAdd(run.PreparationId, liveRun))
        {
            return (null, ApiProblem.Conflict($"Run '{run.PreparationId}' is already running."));
        }

        var started = run with
        {
            DagRunId = run.DagRunId ?? "run_" + Guid.NewGuid().ToString("N"),
            Status = RunStatus.Running,
            StartedAt = time.GetUtcNow(),
            FinishedAt = null,
            Result = null,
        };
        var feed = hub.Get(run.PreparationId);
        feed.SetActive(true);
        await store.UpdateAsync(started, cancellationToken).ConfigureAwait(false);
        var lastSequence = await store.GetLastSequenceAsync(run.PreparationId, cancellationToken).ConfigureAwait(false);
        var writer = new RunEventWriter(run.PreparationId, lastSequence, store, feed, time, logger);
        writer.Emit(RunEventKinds.RunStarted, payload: new JsonObject { ["dagRunId"] = started.DagRunId, ["resumed"] = resume });
        var request = new RunExecutionRequest
        {
            DagRunId = started.DagRunId,
            PreparationId = run.PreparationId,
            Owner = run.Owner,
            Bundle = bundle,
            ProjectDir = run.ProjectDir,
            Inputs = run.Inputs,
            Resume = resume,
        };
        liveRun.Completion = Task.Run(() => ExecuteAsync(started, request, writer, feed, liveRun), CancellationToken.None);
        return (started, null);
    }

    public async ValueTask<(RunRecord? Run, ApiProblem? Problem)> CancelAsync(RunRecord run, CancellationToken cancellationToken)
    {
        if (live.TryGetValue(run.PreparationId, out var liveRun))
        {
            liveRun.Cancel(RunStatus.Cancelled);
            await liveRun.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
            return (await store.FindAsync(run.PreparationId, cancellationToken).ConfigureAwait(false), null);
        }

        if (run.Status is not (RunStatus.Preparing or RunStatus.Interrupted))
        {
            return (null, ApiProblem.Conflict($"Run '{run.PreparationId}' is {run.Status.ToWireName()}; only prepared, running or interrupted runs can be cancelled."));
        }

        var cancelled = await FinishWithoutExecutionAsync(run, RunStatus.Cancelled, cancellationToken).ConfigureAwait(false);
        return (cancelled, null);
    }

    /// <summary>Marks runs that were running when the previous process died as interrupted.</summary>
    public async ValueTask<int> MarkOrphansInterruptedAsync(CancellationToken cancellationToken)
    {
        var count = 0;
        foreach (var run in await store.ListRunningAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!live.ContainsKey(run.PreparationId))
            {
                await FinishWithoutExecutionAsync(run, RunStatus.Interrupted, cancellationToken).ConfigureAwait(false);
                count++;
            }
        }

        return count;
    }

    public async ValueTask<bool> DeleteAsync(RunRecord run, CancellationToken cancellationToken)
    {
        if (live.ContainsKey(run.PreparationId))
        {
            return false;
        }

        var deleted = await store.DeleteAsync(run.PreparationId, cancellationToken).ConfigureAwait(false);
        hub.Remove(run.PreparationId);
        return deleted;
    }

    /// <summary>Deletes finished runs older than the time to live, with their project folders unless they are kept.</summary>
    public async ValueTask<int> PruneAsync(CancellationToken cancellationToken)
    {
        if (options.RunTimeToLive is not { } ttl)
        {
            return 0;
        }

        var pruned = 0;
        var cutoff = time.GetUtcNow() - ttl;
        foreach (var run in await store.ListFinishedBeforeAsync(cutoff, 500, cancellationToken).ConfigureAwait(false))
        {
            if (!await DeleteAsync(run, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            pruned++;
            var root = Path.GetFullPath(options.ProjectsRoot);
            if (!options.KeepProjectFolders && SafePath.IsInside(root, run.ProjectDir) && !string.Equals(Path.GetFullPath(run.ProjectDir), root, StringComparison.Ordinal))
            {
                try
                {
                    Directory.Delete(run.ProjectDir, recursive: true);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    logger.LogWarning("Could not delete the project folder {ProjectDir} of pruned run {PreparationId}: {Message}", run.ProjectDir, run.PreparationId, ex.Message);
                }
            }
        }

        return pruned;
    }

    /// <summary>Stops every live run as interrupted (they can be resumed after the restart) and waits for them to record it.</summary>
    public async Task ShutdownAsync(CancellationToken cancellationToken)
    {
        var runs = live.Values.ToArray();
        foreach (var run in runs)
        {
            run.Cancel(RunStatus.Interrupted);
        }

        try
        {
            await Task.WhenAll(runs.Select(r => r.Completion)).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("{Count} runs did not stop before shutdown; they will be marked interrupted at the next start.", runs.Length);
        }
    }

    private async Task ExecuteAsync(RunRecord run, RunExecutionRequest request, RunEventWriter writer, RunFeed feed, LiveRun liveRun)
    {
        RunResult result;
        try
        {
            result = await executor.ExecuteAsync(request, writer, liveRun.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (liveRun.Token.IsCancellationRequested)
        {
            result = new RunResult { DagRunId = request.DagRunId, Status = liveRun.CancelledAs ?? RunStatus.Cancelled };
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "The executor failed on run {DagRunId}.", request.DagRunId);
            result = new RunResult
            {
                DagRunId = request.DagRunId,
                Status = RunStatus.Failed,
                NodeErrors = [new RunNodeError(string.Empty, null, string.Empty, $"The executor failed: {ex.Message}")],
            };
        }

        if (liveRun.CancelledAs is { } cancelledAs)
        {
            result = result with { Status = cancelledAs };
        }

        result = result with { DagRunId = request.DagRunId };
        try
        {
            await store.UpdateAsync(run with { Status = result.Status, FinishedAt = time.GetUtcNow(), Result = result }, CancellationToken.None).ConfigureAwait(false);
            writer.Emit(RunEventKinds.RunFinished, payload: new JsonObject { ["status"] = result.Status.ToWireName(), ["totalCredits"] = result.TotalCredits });
            await writer.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Could not record the end of run {DagRunId}.", request.DagRunId);
        }
        finally
        {
            live.TryRemove(run.PreparationId, out _);
            feed.SetActive(false);
            liveRun.Dispose();
        }
    }

    private async ValueTask<RunRecord> FinishWithoutExecutionAsync(RunRecord run, RunStatus status, CancellationToken cancellationToken)
    {
        var finished = run with
        {
            Status = status,
            FinishedAt = time.GetUtcNow(),
            Result = new RunResult { DagRunId = run.DagRunId ?? string.Empty, Status = status, Traces = run.Result?.Traces ?? [], NodeErrors = run.Result?.NodeErrors ?? [] },
        };
        await store.UpdateAsync(finished, cancellationToken).ConfigureAwait(false);
        var feed = hub.Get(run.PreparationId);
        var last = await store.GetLastSequenceAsync(run.PreparationId, cancellationToken).ConfigureAwait(false);
        var writer = new RunEventWriter(run.PreparationId, last, store, feed, time, logger);
        writer.Emit(RunEventKinds.RunFinished, payload: new JsonObject { ["status"] = status.ToWireName(), ["totalCredits"] = 0 });
        await writer.CompleteAsync().ConfigureAwait(false);
        return finished;
    }

    private sealed class LiveRun : IDisposable
    {
        private readonly CancellationTokenSource cts = new();

        public Task Completion { get; set; } = Task.CompletedTask;

        public RunStatus? CancelledAs { get; private set; }

        public CancellationToken Token => cts.Token;

        public void Cancel(RunStatus status)
        {
            CancelledAs ??= status;
            try
            {
                cts.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }

        public void Dispose() => cts.Dispose();
    }
}
