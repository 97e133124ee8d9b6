using System.Text.Json.Nodes;
using Dhee.Comfy;

namespace Dhee.Endpoints;

/// <summary>
/// One workflow run on a <see cref="ComfyPool"/>: uploads are staged until the instance is chosen at submit time, then
/// uploaded there; when the instance dies mid-job (the prompt is lost or the server unreachable), or the job outlasts the
/// instance's client timeout or the pool's attempt timeout (it is then cancelled there), the workflow is resubmitted once to
/// another capable instance with the same prompt id, within the pool's overall timeout.
/// </summary>
internal sealed class ComfyPoolClient(ComfyPool pool) : IComfyClient
{
    private const string Placeholder = "dhee-pool-upload-";
    private readonly List<(string Token, string Path, ComfyUploadKind Kind)> _staged = [];
    private readonly HashSet<ComfyPool.Member> _failed = [];
    private ComfyPool.Member? _member;
    private JsonObject? _prompt;
    private ComfySubmitOptions? _submitOptions;
    private string? _originalId;
    private bool _released;
    private long _submittedAt;

    public Uri BaseAddress => _member?.Client.BaseAddress ?? new Uri("pool://" + Uri.EscapeDataString(pool.Name) + "/");

    public Task<ComfyObjectInfo> GetObjectInfoAsync(bool refresh = false, CancellationToken cancellationToken = default)
        => _member is not null ? _member.Client.GetObjectInfoAsync(refresh, cancellationToken) : pool.MergedObjectInfoAsync(cancellationToken);

    public Task<ComfyUploadResult> UploadAsync(string filePath, ComfyUploadKind kind = ComfyUploadKind.Image, ComfyUploadResult? originalRef = null, CancellationToken cancellationToken = default)
    {
        var token = Placeholder + _staged.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) + "-" + Path.GetFileName(filePath);
        _staged.Add((token, filePath, kind));
        return Task.FromResult(new ComfyUploadResult(token, string.Empty, "input", false));
    }

    public async Task<ComfySubmission> SubmitAsync(JsonObject prompt, ComfySubmitOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        _prompt = (JsonObject)prompt.DeepClone();
        _submitOptions = options ?? new ComfySubmitOptions();
        _originalId = _submitOptions.PromptId ?? Guid.NewGuid().ToString("D");
        _submittedAt = pool.Time.GetTimestamp();
        while (true)
        {
            var member = await pool.PickAsync(_prompt, _failed, cancellationToken).ConfigureAwait(false);
            try
            {
                return await SubmitToAsync(member, cancellationToken).ConfigureAwait(false);
            }
            catch (ComfyException ex) when (ex is not ComfyValidationException && _failed.Count == 0)
            {
                // The chosen instance failed to accept the job: try one other.
                Fail(member, ex.Message);
            }
        }
    }

    public async Task<ComfyPromptResult> WaitAsync(string promptId, CancellationToken cancellationToken = default)
    {
        var member = _member ?? throw new InvalidOperationException("submit first");
        var result = await WaitOnAsync(member, promptId, cancellationToken).ConfigureAwait(false);
        if ((result.Status is ComfyPromptStatus.Lost or ComfyPromptStatus.TimedOut) && CanFailOver)
        {
            Fail(member, result.Message ?? "prompt lost");
            if (Remaining() is { } left && left <= TimeSpan.Zero)
            {
                result = Retitled(result, $"{result.Message}; the pool's overall timeout of {pool.Options.OverallTimeout} leaves no time to retry on another instance");
            }
            else
            {
                ComfyPool.Member next;
                try
                {
                    next = await pool.PickAsync(_prompt!, _failed, cancellationToken).ConfigureAwait(false);
                }
                catch (ComfyException ex) when (result.Status == ComfyPromptStatus.TimedOut)
                {
                    // A timed-out instance may be merely slow: another instance is a bonus, not a requirement.
                    return Retitled(result, $"{result.Message}; no other instance to retry on ({ex.Message})");
                }

                result = await ResubmitAsync(next, cancellationToken).ConfigureAwait(false);
            }
        }

        if (_member is { } current && !_released)
        {
            // Success, or a failure of the workflow itself (not of the instance).
            pool.Release(current, result.Status is not (ComfyPromptStatus.Lost or ComfyPromptStatus.TimedOut));
            _released = true;
        }

        return result;
    }

    public Task<long> DownloadAsync(ComfyOutputFile file, string destinationPath, CancellationToken cancellationToken = default)
        => (_member ?? throw new InvalidOperationException("submit first")).Client.DownloadAsync(file, destinationPath, cancellationToken);

    public Task<ComfyPromptStatus> CancelAsync(string promptId, CancellationToken cancellationToken = default)
        => (_member ?? throw new InvalidOperationException("submit first")).Client.CancelAsync(promptId, cancellationToken);

    public ValueTask DisposeAsync()
    {
        if (_member is not null && !_released)
        {
            pool.Release(_member, null);
            _released = true;
        }

        return ValueTask.CompletedTask;
    }

    private bool CanFailOver => _failed.Count == 0 && _prompt is not null;

    private static ComfyPromptResult Retitled(ComfyPromptResult result, string message) => new()
    {
        PromptId = result.PromptId,
        Status = result.Status,
        Message = message,
        Files = result.Files,
        RawOutputs = result.RawOutputs,
    };

    private async Task<ComfyPromptResult> ResubmitAsync(ComfyPool.Member next, CancellationToken ct)
    {
        var again = await SubmitToAsync(next, ct).ConfigureAwait(false);
        return await WaitOnAsync(next, again.PromptId, ct).ConfigureAwait(false);
    }

    // The time left of the pool's overall budget for this workflow, or null when it has none.
    private TimeSpan? Remaining()
        => pool.Options.OverallTimeout is { } overall ? overall - pool.Time.GetElapsedTime(_submittedAt) : null;

    // Waits on one instance within the attempt limit (and what is left of the overall budget). A wait that runs out, or a
    // timeout the instance's client reports, cancels the prompt there so the instance does not keep working for nobody.
    private async Task<ComfyPromptResult> WaitOnAsync(ComfyPool.Member member, string promptId, CancellationToken ct)
    {
        var limit = pool.Options.AttemptTimeout;
        if (Remaining() is { } left && (limit is null || left < limit))
        {
            limit = left > TimeSpan.Zero ? left : TimeSpan.Zero;
        }

        ComfyPromptResult result;
        using var timer = limit is { } l ? new CancellationTokenSource(l, pool.Time) : new CancellationTokenSource();
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct, timer.Token);
        try
        {
            result = await member.Client.WaitAsync(promptId, attempt.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested && timer.IsCancellationRequested)
        {
            result = new ComfyPromptResult { PromptId = promptId, Status = ComfyPromptStatus.TimedOut, Message = $"prompt {promptId} did not finish on {member.Client.BaseAddress} within {limit!.Value.TotalSeconds:0.#} s (the pool's attempt timeout)" };
        }
        catch (ComfyException ex) when (ex is not ComfyValidationException && CanFailOver)
        {
            return new ComfyPromptResult { PromptId = promptId, Status = ComfyPromptStatus.Lost, Message = ex.Message };
        }

        if (result.Status == ComfyPromptStatus.TimedOut)
        {
            await CancelQuietlyAsync(member, promptId).ConfigureAwait(false);
        }

        return result;
    }

    private async Task CancelQuietlyAsync(ComfyPool.Member member, string promptId)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await member.Client.CancelAsync(promptId, cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ComfyException or HttpRequestException or IOException or OperationCanceledException)
        {
            pool.LogCancelFailure(member, promptId, ex.Message);
        }
    }

    private void Fail(ComfyPool.Member member, string reason)
    {
        _failed.Add(member);
        pool.Release(member, null);
        pool.ReportFailure(member, reason);
        if (ReferenceEquals(_member, member))
        {
            _member = null;
        }
    }

    private async Task<ComfySubmission> SubmitToAsync(ComfyPool.Member member, CancellationToken ct)
    {
        if (member.Client is not RunPod.RunPodComfyClient)
        {
            return await StageAndSubmitAsync(member, ct).ConfigureAwait(false);
        }

        await member.SubmitGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return await StageAndSubmitAsync(member, ct).ConfigureAwait(false);
        }
        finally
        {
            member.SubmitGate.Release();
        }
    }

    private async Task<ComfySubmission> StageAndSubmitAsync(ComfyPool.Member member, CancellationToken ct)
    {
        _member = member;
        var prompt = (JsonObject)_prompt!.DeepClone();
        if (_staged.Count > 0)
        {
            var names = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (token, path, kind) in _staged)
            {
                names[token] = (await member.Client.UploadAsync(path, kind, null, ct).ConfigureAwait(false)).WorkflowValue;
            }

            foreach (var (_, node) in prompt)
            {
                if (node?["inputs"] is not JsonObject inputs)
                {
                    continue;
                }

                foreach (var key in inputs.Select(p => p.Key).ToList())
                {
                    if (inputs[key] is JsonValue v && v.TryGetValue<string>(out var s) && names.TryGetValue(s, out var real))
                    {
                        inputs[key] = real;
                    }
                }
            }
        }

        var options = new ComfySubmitOptions
        {
            Progress = _submitOptions!.Progress,
            ExtraData = _submitOptions.ExtraData,
            Front = _submitOptions.Front,
            ValidateFirst = _submitOptions.ValidateFirst,
            PromptId = _originalId,
        };
        return await member.Client.SubmitAsync(prompt, options, ct).ConfigureAwait(false);
    }
}
