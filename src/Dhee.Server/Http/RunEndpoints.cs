using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json.Nodes;
using Dhee.Definitions;
using Dhee.Server.Catalog;
using Dhee.Server.Runs;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;

namespace Dhee.Server.Http;

/// <summary>The run contract: createRun, subscribeRunProgress, startRun, getRunResult, cancel, resume, list, get, delete.</summary>
internal static class RunEndpoints
{
    private const int MaxPageSize = 200;
    private const int MaxLiveEvents = 200_000;

    public static async Task<IResult> CreateAsync(HttpContext context, RunCoordinator coordinator, RunnerReadiness readiness, DheeServerOptions options)
    {
        var (body, problem) = await JsonBody.ReadObjectAsync(context, options.MaxRequestBodyBytes).ConfigureAwait(false);
        if (body is null)
        {
            return problem!;
        }

        foreach (var (key, _) in body)
        {
            if (key is not ("definition" or "bundleRef" or "inputs"))
            {
                return ApiProblem.ContractViolation($"Unknown field '{key}'; createRun accepts 'definition' or 'bundleRef', and 'inputs'.").ToResult();
            }
        }

        var hasDefinition = body["definition"] is not null;
        var hasRef = body["bundleRef"] is not null;
        if (hasDefinition == hasRef)
        {
            return ApiProblem.ContractViolation("Send exactly one of 'definition' (a DAG definition object) or 'bundleRef' (a path relative to a bundle root).").ToResult();
        }

        DagDefinition? definition = null;
        string? bundleRef = null;
        if (hasDefinition)
        {
            (definition, problem) = JsonBody.Convert<DagDefinition>(body["definition"], "definition");
            if (definition is null)
            {
                return problem!;
            }
        }
        else if (body["bundleRef"] is JsonValue refValue && refValue.TryGetValue<string>(out var text))
        {
            bundleRef = text;
        }
        else
        {
            return ApiProblem.ContractViolation("'bundleRef' must be a string.").ToResult();
        }

        JsonObject inputs = [];
        if (body["inputs"] is { } inputsNode)
        {
            if (inputsNode is not JsonObject inputsObject)
            {
                return ApiProblem.ContractViolation("'inputs' must be a JSON object.").ToResult();
            }

            inputs = (JsonObject)inputsObject.DeepClone();
        }

        var (bundle, resolveProblem) = coordinator.ResolveBundle(definition, bundleRef);
        if (bundle is null)
        {
            return resolveProblem!.ToResult();
        }

        var notReady = readiness.Check(bundle);
        if (notReady.Count > 0)
        {
            return ApiProblem.Invalid($"'{bundle.Id}' cannot run on this server's runners.", notReady).ToResult();
        }

        var principal = DheeRequestFilter.Principal(context);
        var run = await coordinator.CreateAsync(principal.UserId, bundle, definition, bundleRef, inputs, context.RequestAborted).ConfigureAwait(false);
        context.Response.Headers.Location = $"runs/{run.PreparationId}";
        return TypedResults.Json(new { preparationId = run.PreparationId, status = run.Status }, ServerJson.Options, statusCode: StatusCodes.Status201Created);
    }

    public static async Task<IResult> StartAsync(HttpContext context, string id, RunCoordinator coordinator) =>
        await StartOrResumeAsync(context, id, coordinator, resume: false).ConfigureAwait(false);

    public static async Task<IResult> ResumeAsync(HttpContext context, string id, RunCoordinator coordinator) =>
        await StartOrResumeAsync(context, id, coordinator, resume: true).ConfigureAwait(false);

    public static async Task EventsAsync(HttpContext context, string id, RunCoordinator coordinator, DheeServerOptions options, IHostApplicationLifetime lifetime)
    {
        if (await FindStreamAsync(context, coordinator, id).ConfigureAwait(false) is not var (run, after))
        {
            return;
        }

        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        context.RequestAborted = stopping.Token;
        await EventStream.WriteAsync(context, coordinator, run, after, options.HeartbeatInterval).ConfigureAwait(false);
    }

    /// <summary>The WebSocket variant of <see cref="EventsAsync"/>: the same events, one text message each, resumable with <c>afterSequence</c>.</summary>
    public static async Task EventsSocketAsync(HttpContext context, string id, RunCoordinator coordinator, DheeServerOptions options, IHostApplicationLifetime lifetime)
    {
        if (await FindStreamAsync(context, coordinator, id).ConfigureAwait(false) is not var (run, after))
        {
            return;
        }

        var socket = await WebSocketUpgrade.AcceptAsync(context, options.HeartbeatInterval).ConfigureAwait(false);
        if (socket is null)
        {
            await ApiProblem.ContractViolation($"'{context.Request.Path}' takes a WebSocket upgrade (GET with Upgrade: websocket and Sec-WebSocket-Key, version 13); for Server-Sent Events use /runs/{id}/events.").ToResult().ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        using (socket)
        {
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
            await EventStream.WriteSocketAsync(socket, coordinator, run, after, options.HeartbeatInterval, stopping.Token).ConfigureAwait(false);
        }
    }

    /// <summary>The run to stream and the sequence to resume after; null when a problem (not found, bad resume point) was answered.</summary>
    private static async Task<(RunRecord Run, long After)?> FindStreamAsync(HttpContext context, RunCoordinator coordinator, string id)
    {
        var run = await FindVisibleAsync(context, coordinator, id).ConfigureAwait(false);
        if (run is null)
        {
            await ApiProblem.NotFound(id).ToResult().ExecuteAsync(context).ConfigureAwait(false);
            return null;
        }

        if (!TryGetResumePoint(context, out var after, out var problem))
        {
            await problem.ToResult().ExecuteAsync(context).ConfigureAwait(false);
            return null;
        }

        return (run, after);
    }

    private static bool TryGetResumePoint(HttpContext context, out long after, [NotNullWhen(false)] out ApiProblem? problem)
    {
        after = 0;
        problem = null;
        var lastEventId = context.Request.Headers["Last-Event-ID"].ToString();
        var query = context.Request.Query["afterSequence"].ToString();
        var resumeFrom = lastEventId.Length > 0 ? lastEventId : query;
        if (resumeFrom.Length > 0 && (!long.TryParse(resumeFrom, NumberStyles.None, CultureInfo.InvariantCulture, out after) || after < 0))
        {
            problem = ApiProblem.ContractViolation($"'{resumeFrom}' is not a sequence number; Last-Event-ID and afterSequence take a non-negative integer.");
            return false;
        }

        return true;
    }

    public static async Task<IResult> ResultAsync(HttpContext context, string id, RunCoordinator coordinator)
    {
        var run = await FindVisibleAsync(context, coordinator, id).ConfigureAwait(false);
        if (run is null)
        {
            return ApiProblem.NotFound(id).ToResult();
        }

        RunResult result;
        if (run.Status.IsFinished() && run.Result is { } finished)
        {
            result = finished with { Status = run.Status };
        }
        else if (run.Status == RunStatus.Running)
        {
            // Traces so far, rebuilt from the stored events.
            var events = await coordinator.Store.ReadEventsAsync(run.PreparationId, 0, MaxLiveEvents, context.RequestAborted).ConfigureAwait(false);
            result = LiveTraces.Build(run, events);
        }
        else
        {
            result = new RunResult { DagRunId = run.DagRunId ?? string.Empty, Status = run.Status };
        }

        return TypedResults.Json(result, ServerJson.Options);
    }

    public static async Task<IResult> GetAsync(HttpContext context, string id, RunCoordinator coordinator)
    {
        var run = await FindVisibleAsync(context, coordinator, id).ConfigureAwait(false);
        return run is null ? ApiProblem.NotFound(id).ToResult() : TypedResults.Json(RunSummary.From(run), ServerJson.Options);
    }

    public static async Task<IResult> CancelAsync(HttpContext context, string id, RunCoordinator coordinator)
    {
        var run = await FindVisibleAsync(context, coordinator, id).ConfigureAwait(false);
        if (run is null)
        {
            return ApiProblem.NotFound(id).ToResult();
        }

        var (cancelled, problem) = await coordinator.CancelAsync(run, context.RequestAborted).ConfigureAwait(false);
        return cancelled is null ? problem!.ToResult() : TypedResults.Json(RunSummary.From(cancelled), ServerJson.Options);
    }

    public static async Task<IResult> DeleteAsync(HttpContext context, string id, RunCoordinator coordinator)
    {
        var run = await FindVisibleAsync(context, coordinator, id).ConfigureAwait(false);
        if (run is null)
        {
            return ApiProblem.NotFound(id).ToResult();
        }

        if (run.Status == RunStatus.Running || !await coordinator.DeleteAsync(run, context.RequestAborted).ConfigureAwait(false))
        {
            return ApiProblem.Conflict($"Run '{id}' is running; cancel it before deleting it.").ToResult();
        }

        return TypedResults.NoContent();
    }

    public static async Task<IResult> ListAsync(HttpContext context, RunCoordinator coordinator)
    {
        var principal = DheeRequestFilter.Principal(context);
        var q = context.Request.Query;
        if (!TryInt(q["offset"], 0, out var offset) || offset < 0)
        {
            return ApiProblem.ContractViolation("'offset' must be a non-negative integer.").ToResult();
        }

        if (!TryInt(q["limit"], 50, out var limit) || limit < 1 || limit > MaxPageSize)
        {
            return ApiProblem.ContractViolation($"'limit' must be an integer from 1 to {MaxPageSize}.").ToResult();
        }

        List<RunStatus>? statuses = null;
        foreach (var name in q["status"].SelectMany(s => (s ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            var match = Enum.GetValues<RunStatus>().Where(s => s.ToWireName() == name).ToList();
            if (match.Count == 0)
            {
                return ApiProblem.ContractViolation($"'{name}' is not a status; use preparing, running, success, failed, cancelled or interrupted.").ToResult();
            }

            (statuses ??= []).Add(match[0]);
        }

        var owner = principal.IsAdmin ? NullIfEmpty(q["owner"].ToString()) : principal.UserId;
        var page = await coordinator.Store.ListAsync(
            new RunQuery { Owner = owner, Statuses = statuses, TitleContains = NullIfEmpty(q["q"].ToString()), Offset = offset, Limit = limit },
            context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(new { items = page.Items.Select(RunSummary.From).ToArray(), total = page.Total, offset, limit }, ServerJson.Options);
    }

    private static async Task<IResult> StartOrResumeAsync(HttpContext context, string id, RunCoordinator coordinator, bool resume)
    {
        var run = await FindVisibleAsync(context, coordinator, id).ConfigureAwait(false);
        if (run is null)
        {
            return ApiProblem.NotFound(id).ToResult();
        }

        var (started, problem) = await coordinator.StartAsync(run, resume, context.RequestAborted).ConfigureAwait(false);
        return started is null
            ? problem!.ToResult()
            : TypedResults.Json(new { dagRunId = started.DagRunId, preparationId = started.PreparationId, status = started.Status }, ServerJson.Options, statusCode: StatusCodes.Status202Accepted);
    }

    internal static async ValueTask<RunRecord?> FindVisibleAsync(HttpContext context, RunCoordinator coordinator, string id)
    {
        var principal = DheeRequestFilter.Principal(context);
        if (id.Length is 0 or > 100)
        {
            return null;
        }

        var run = await coordinator.Store.FindAsync(id, context.RequestAborted).ConfigureAwait(false);
        return run is not null && (principal.IsAdmin || run.Owner == principal.UserId) ? run : null;
    }

    private static bool TryInt(Microsoft.Extensions.Primitives.StringValues value, int fallback, out int result)
    {
        result = fallback;
        return value.Count == 0 || int.TryParse(value.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out result);
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
