using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dhee.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Dhee.Comfy;

/// <content>Submitting prompts and waiting for them: the per-prompt state machine.</content>
public sealed partial class ComfyClient
{
    private static readonly TimeSpan LostConfirmationDelay = TimeSpan.FromMilliseconds(150);

    /// <summary>Submits an API-format workflow. The WebSocket is opened first so no early event is missed; the prompt id is a client-generated lowercase UUID unless the server mints its own (then the server's is used).</summary>
    /// <param name="prompt">The API workflow.</param>
    /// <param name="options">Progress sink, extra data, pre-submit validation.</param>
    /// <param name="cancellationToken">Cancels the submit.</param>
    /// <returns>The accepted prompt; call <see cref="WaitAsync"/> next.</returns>
    /// <exception cref="ComfyValidationException">The server (or the pre-submit check) rejected the workflow; each node's errors are listed.</exception>
    /// <exception cref="ComfyException">The server failed or could not be reached.</exception>
    public async Task<ComfySubmission> SubmitAsync(JsonObject prompt, ComfySubmitOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        options ??= new ComfySubmitOptions();
        if (options.ValidateFirst)
        {
            var info = await GetObjectInfoAsync(false, cancellationToken).ConfigureAwait(false);
            var problems = ComfyPromptValidator.Validate(prompt, info);
            if (problems.Count > 0)
            {
                throw new ComfyValidationException("prompt_outputs_failed_validation", "the workflow does not match this endpoint's nodes (checked before queueing)", null, problems, _address.Display);
            }
        }

        await EnsureSocketAsync(cancellationToken).ConfigureAwait(false);
        var promptId = options.PromptId ?? Guid.NewGuid().ToString("D");
        var tracker = Register(promptId, options.Progress);
        try
        {
            var extra = options.ExtraData is null ? [] : (JsonObject)options.ExtraData.DeepClone();
            extra["client_id"] = ClientId;
            extra[SubmissionMarkerKey] = promptId;
            var body = new JsonObject
            {
                ["prompt"] = prompt.DeepClone(),
                ["client_id"] = ClientId,
                ["prompt_id"] = promptId,
                ["extra_data"] = extra,
            };
            if (options.Front)
            {
                body["front"] = true;
            }

            var (status, text) = await PostPromptOnceOnlyAsync(promptId, body.ToJsonString(), cancellationToken).ConfigureAwait(false);
            if (status == HttpStatusCode.BadRequest)
            {
                throw await ParseRejectionAsync(text, cancellationToken).ConfigureAwait(false);
            }

            if (status != HttpStatusCode.OK)
            {
                throw new ComfyException($"ComfyUI at {_address.Display} answered POST /prompt with {(int)status}: {Snippet(text)}", status);
            }

            JsonObject answer;
            try
            {
                answer = JsonNode.Parse(text) as JsonObject ?? throw new JsonException("not an object");
            }
            catch (JsonException ex)
            {
                throw new ComfyException($"ComfyUI at {_address.Display} accepted the prompt but answered invalid JSON: {Snippet(text)}", status, ex);
            }

            var serverId = answer["prompt_id"]?.ToString();
            if (string.IsNullOrEmpty(serverId))
            {
                throw new ComfyException($"ComfyUI at {_address.Display} answered POST /prompt without a prompt_id: {Snippet(text)}", status);
            }

            if (!string.Equals(serverId, promptId, StringComparison.Ordinal))
            {
                Rekey(tracker, serverId);
            }

            var number = answer["number"] is JsonValue n && n.TryGetValue<long>(out var num) ? num : 0;
            var partial = ParseNodeErrors(answer["node_errors"], null);
            return new ComfySubmission(serverId, number, partial);
        }
        catch
        {
            Unregister(tracker);
            throw;
        }
    }

    /// <summary>Waits until the prompt reaches a final status, within the client's deadlines; never hangs.</summary>
    /// <param name="promptId">The prompt (from <see cref="SubmitAsync"/>).</param>
    /// <param name="cancellationToken">Cancels the wait; the prompt is then cancelled on the server too (best effort).</param>
    /// <returns>The result: succeeded with outputs, failed, interrupted, lost or timed out (with a message saying why).</returns>
    public async Task<ComfyPromptResult> WaitAsync(string promptId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(promptId);
        PromptTracker tracker;
        lock (_route)
        {
            tracker = _trackers.TryGetValue(promptId, out var existing) ? existing : Register(promptId, null);
        }

        try
        {
            var result = await WaitCoreAsync(tracker, cancellationToken).ConfigureAwait(false);
            if (tracker.StartedAt is long started)
            {
                DheeTelemetry.QueueWait.Record(_time.GetElapsedTime(tracker.CreatedAt, started).TotalSeconds, new KeyValuePair<string, object?>(TelemetryTags.EndpointKind, TelemetryTags.ComfyUIKind));
            }

            return result;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await CancelQuietlyAsync(tracker.PromptId).ConfigureAwait(false);
            throw;
        }
        finally
        {
            Unregister(tracker);
        }
    }

    /// <summary>Submits a workflow and waits for its result.</summary>
    /// <param name="prompt">The API workflow.</param>
    /// <param name="options">Progress sink and submit settings.</param>
    /// <param name="cancellationToken">Cancels the run (and the prompt on the server).</param>
    /// <returns>The result.</returns>
    public async Task<ComfyPromptResult> RunAsync(JsonObject prompt, ComfySubmitOptions? options = null, CancellationToken cancellationToken = default)
    {
        var submission = await SubmitAsync(prompt, options, cancellationToken).ConfigureAwait(false);
        return await WaitAsync(submission.PromptId, cancellationToken).ConfigureAwait(false);
    }

    private async Task CancelQuietlyAsync(string promptId)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await CancelAsync(promptId, cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ComfyException or OperationCanceledException or ObjectDisposedException)
        {
            _logger.LogDebug("ComfyUI {Endpoint}: could not cancel prompt {PromptId}: {Message}", _address.Display, promptId, ex.Message);
        }
    }

    private async Task<ComfyPromptResult> WaitCoreAsync(PromptTracker t, CancellationToken cancellationToken)
    {
        var lostStrikes = 0;
        var terminalMisses = 0;
        var lastCheck = _time.GetTimestamp();
        var checkNow = !_socketConnected; // without a socket there are no hints: look at once
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_disposed.IsCancellationRequested)
            {
                throw new ObjectDisposedException(nameof(ComfyClient));
            }

            var now = _time.GetTimestamp();
            var timeout = CheckDeadlines(t, now);
            if (timeout is not null)
            {
                return timeout;
            }

            if (!(checkNow || t.TerminalHint || t.RecheckRequested))
            {
                // Socket up: hints drive us, the truth is consulted after silence. Socket down: poll.
                var interval = _socketConnected
                    ? (t.StartedAt is null ? Min(_options.InactivityTimeout, _options.PollInterval) : _options.InactivityTimeout)
                    : _options.PollInterval;
                var since = _socketConnected ? Math.Max(t.LastActivity, lastCheck) : lastCheck;
                var wait = Min(interval - _time.GetElapsedTime(since, now), TimeToNearestDeadline(t, now));
                if (wait > TimeSpan.Zero)
                {
                    await t.WaitPulseAsync(wait, cancellationToken).ConfigureAwait(false);
                    continue;
                }
            }

            checkNow = false;
            t.RecheckRequested = false;
            lastCheck = _time.GetTimestamp();
            var (status, result, position) = await CheckTruthAsync(t.PromptId, cancellationToken).ConfigureAwait(false);
            switch (status)
            {
                case ComfyPromptStatus.Succeeded or ComfyPromptStatus.Failed or ComfyPromptStatus.Interrupted:
                    return result!;
                case ComfyPromptStatus.Running:
                    lostStrikes = 0;
                    t.StartedAt ??= _time.GetTimestamp();
                    break;
                case ComfyPromptStatus.Queued:
                    lostStrikes = 0;
                    t.Report(new ComfyQueuedEvent(t.PromptId, position));
                    break;
                default:
                    lostStrikes++;
                    if (lostStrikes >= 3)
                    {
                        return new ComfyPromptResult
                        {
                            PromptId = t.PromptId,
                            Status = ComfyPromptStatus.Lost,
                            Message = $"ComfyUI at {_address.Display} no longer knows prompt {t.PromptId}: it is not queued, not running and not in history. The server was probably restarted (or its history cleared); resubmit the workflow.",
                        };
                    }

                    await Task.Delay(LostConfirmationDelay, _time, cancellationToken).ConfigureAwait(false);
                    checkNow = true;
                    continue;
            }

            if (t.TerminalHint)
            {
                // The socket said it finished but history is not written yet: look again shortly.
                terminalMisses++;
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(200, 2 << Math.Min(terminalMisses, 7))), _time, cancellationToken).ConfigureAwait(false);
                checkNow = true;
            }
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private TimeSpan TimeToNearestDeadline(PromptTracker t, long now)
    {
        var nearest = TimeSpan.MaxValue;
        if (_options.OverallTimeout != Timeout.InfiniteTimeSpan)
        {
            nearest = Min(nearest, _options.OverallTimeout - _time.GetElapsedTime(t.CreatedAt, now));
        }

        if (t.StartedAt is null && _options.QueueTimeout != Timeout.InfiniteTimeSpan)
        {
            nearest = Min(nearest, _options.QueueTimeout - _time.GetElapsedTime(t.CreatedAt, now));
        }

        if (t.StartedAt is long started && _options.ExecutionTimeout != Timeout.InfiniteTimeSpan)
        {
            nearest = Min(nearest, _options.ExecutionTimeout - _time.GetElapsedTime(started, now));
        }

        return nearest == TimeSpan.MaxValue ? TimeSpan.FromMinutes(5) : nearest + TimeSpan.FromMilliseconds(1);
    }

    private ComfyPromptResult? CheckDeadlines(PromptTracker t, long now)
    {
        string? message = null;
        if (_options.OverallTimeout != Timeout.InfiniteTimeSpan && _time.GetElapsedTime(t.CreatedAt, now) >= _options.OverallTimeout)
        {
            message = $"prompt {t.PromptId} on ComfyUI at {_address.Display} did not finish within the overall timeout of {_options.OverallTimeout}";
        }
        else if (t.StartedAt is null && _options.QueueTimeout != Timeout.InfiniteTimeSpan && _time.GetElapsedTime(t.CreatedAt, now) >= _options.QueueTimeout)
        {
            message = $"prompt {t.PromptId} waited in the queue of ComfyUI at {_address.Display} longer than the queue timeout of {_options.QueueTimeout}; the server is busy or stuck";
        }
        else if (t.StartedAt is long started && _options.ExecutionTimeout != Timeout.InfiniteTimeSpan && _time.GetElapsedTime(started, now) >= _options.ExecutionTimeout)
        {
            message = $"prompt {t.PromptId} ran on ComfyUI at {_address.Display} longer than the execution timeout of {_options.ExecutionTimeout}";
        }

        return message is null ? null : new ComfyPromptResult { PromptId = t.PromptId, Status = ComfyPromptStatus.TimedOut, Message = message + "; raise the timeout or check the server." };
    }

    private async Task<(ComfyPromptStatus Status, ComfyPromptResult? Result, int Position)> CheckTruthAsync(string promptId, CancellationToken cancellationToken)
    {
        var (jobsApi, job) = await TryGetJobAsync(promptId, cancellationToken).ConfigureAwait(false);
        if (jobsApi && await StatusFromJobAsync(promptId, job, cancellationToken).ConfigureAwait(false) is { } fromJob)
        {
            return fromJob;
        }

        var entry = await GetHistoryEntryAsync(promptId, cancellationToken).ConfigureAwait(false);
        if (entry is not null)
        {
            var result = ParseHistory(promptId, entry);
            return (result.Status, result, 0);
        }

        var queue = await GetQueueAsync(cancellationToken).ConfigureAwait(false);
        if (queue.Running.Contains(promptId, StringComparer.Ordinal))
        {
            return (ComfyPromptStatus.Running, null, 0);
        }

        var index = queue.Pending.ToList().IndexOf(promptId);
        if (index >= 0)
        {
            return (ComfyPromptStatus.Queued, null, index + 1);
        }

        // It may have finished between the two reads: history once more.
        entry = await GetHistoryEntryAsync(promptId, cancellationToken).ConfigureAwait(false);
        if (entry is not null)
        {
            var result = ParseHistory(promptId, entry);
            return (result.Status, result, 0);
        }

        return (ComfyPromptStatus.Lost, null, 0);
    }

    internal ComfyPromptResult ParseHistory(string promptId, JsonObject entry)
    {
        var statusObj = entry["status"] as JsonObject;
        var statusStr = statusObj?["status_str"]?.ToString();
        var messages = statusObj?["messages"] as JsonArray ?? [];
        ComfyExecutionError? error = null;
        string? interruptedAt = null;
        var cached = new List<string>();
        foreach (var message in messages.OfType<JsonArray>())
        {
            var kind = message.Count > 0 ? message[0]?.ToString() : null;
            var data = message.Count > 1 ? message[1] as JsonObject : null;
            switch (kind)
            {
                case "execution_cached" when data is not null && data["nodes"] is JsonArray nodes:
                    cached.AddRange(nodes.Select(n => n?.ToString() ?? string.Empty));
                    break;
                case "execution_error" when data is not null:
                    error = new ComfyExecutionError(
                        data["node_id"]?.ToString() ?? "?",
                        data["node_type"]?.ToString() ?? "?",
                        data["exception_type"]?.ToString() ?? "?",
                        data["exception_message"]?.ToString() ?? string.Empty,
                        data["traceback"] is JsonArray tb ? [.. tb.Select(l => l?.ToString() ?? string.Empty)] : []);
                    break;
                case "execution_interrupted":
                    interruptedAt = data?["node_id"]?.ToString() ?? "?";
                    break;
            }
        }

        var outputs = entry["outputs"] as JsonObject ?? [];
        var files = new List<ComfyOutputFile>();
        var texts = new List<KeyValuePair<string, string>>();
        foreach (var (nodeId, nodeOutput) in outputs)
        {
            if (nodeOutput is not JsonObject o)
            {
                continue;
            }

            var animated = o["animated"] is JsonArray anim && anim.Any(a => a is JsonValue av && av.GetValueKind() == JsonValueKind.True);
            foreach (var (key, value) in o)
            {
                if (value is not JsonArray items)
                {
                    continue;
                }

                foreach (var item in items)
                {
                    if (item is JsonObject fileObj && fileObj["filename"] is JsonValue fn)
                    {
                        files.Add(new ComfyOutputFile(nodeId, key, fn.ToString(), fileObj["subfolder"]?.ToString() ?? string.Empty, fileObj["type"]?.ToString() ?? "output", animated));
                    }
                    else if (key == "text" && item is JsonValue tv && tv.GetValueKind() == JsonValueKind.String)
                    {
                        texts.Add(new KeyValuePair<string, string>(nodeId, tv.GetValue<string>()));
                    }
                }
            }
        }

        ComfyPromptStatus status;
        string? msg = null;
        if (interruptedAt is not null)
        {
            status = ComfyPromptStatus.Interrupted;
            msg = $"prompt {promptId} on ComfyUI at {_address.Display} was interrupted at node {interruptedAt}";
        }
        else if (error is not null || statusStr == "error")
        {
            status = ComfyPromptStatus.Failed;
            msg = error is null
                ? $"prompt {promptId} on ComfyUI at {_address.Display} failed without an execution_error message"
                : $"ComfyUI at {_address.Display}: {error}";
        }
        else
        {
            status = ComfyPromptStatus.Succeeded;
        }

        return new ComfyPromptResult
        {
            PromptId = promptId,
            Status = status,
            Files = files,
            Texts = texts,
            RawOutputs = (JsonObject)outputs.DeepClone(),
            CachedNodes = cached,
            Error = error,
            InterruptedAtNode = interruptedAt,
            Message = msg,
        };
    }

    private async Task<ComfyValidationException> ParseRejectionAsync(string text, CancellationToken cancellationToken)
    {
        JsonObject? body = null;
        try
        {
            body = JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
        }

        if (body is null)
        {
            return new ComfyValidationException("bad_request", Snippet(text), null, [], _address.Display);
        }

        string type, message;
        string? details = null;
        if (body["error"] is JsonObject err)
        {
            type = err["type"]?.ToString() ?? "error";
            message = err["message"]?.ToString() ?? string.Empty;
            details = err["details"]?.ToString();
        }
        else
        {
            type = "error";
            message = body["error"]?.ToString() ?? Snippet(text);
        }

        ComfyObjectInfo? info = null;
        if (text.Contains("value_not_in_list", StringComparison.Ordinal))
        {
            try
            {
                info = await GetObjectInfoAsync(false, cancellationToken).ConfigureAwait(false);
            }
            catch (ComfyException)
            {
                // Hints are best effort.
            }
        }

        return new ComfyValidationException(type, message, details, ParseNodeErrors(body["node_errors"], info), _address.Display);
    }

    private static List<ComfyNodeError> ParseNodeErrors(JsonNode? nodeErrors, ComfyObjectInfo? info)
    {
        var list = new List<ComfyNodeError>();
        if (nodeErrors is not JsonObject map)
        {
            return list; // v0.3.18 sends [] for prompt-level errors
        }

        foreach (var (nodeId, value) in map)
        {
            var cls = value?["class_type"]?.ToString();
            foreach (var e in value?["errors"] as JsonArray ?? [])
            {
                var type = e?["type"]?.ToString() ?? "error";
                var inputName = e?["extra_info"]?["input_name"]?.ToString();
                var received = e?["extra_info"]?["received_value"] is JsonNode rv ? (rv is JsonValue s && s.GetValueKind() == JsonValueKind.String ? s.GetValue<string>() : rv.ToJsonString()) : null;
                string? hint = null;
                if (type == "value_not_in_list")
                {
                    var options = info is not null && cls is not null && inputName is not null
                        ? info.GetInputs(cls).FirstOrDefault(i => i.Name == inputName)?.Options
                        : e?["extra_info"]?["input_config"]?[0] is JsonArray cfg ? cfg.Select(c => c?.ToString() ?? string.Empty).ToList() : null;
                    hint = ComfyPromptValidator.NotInListHint(options ?? []);
                }
                else if (type == "custom_validation_failed" && cls is "LoadImage" or "LoadImageMask")
                {
                    hint = "the input file is not on the server: upload it first (uploads return the name to use)";
                }

                list.Add(new ComfyNodeError(nodeId, cls, type, e?["message"]?.ToString() ?? string.Empty, e?["details"]?.ToString(), inputName, received, hint));
            }
        }

        return list;
    }
}
