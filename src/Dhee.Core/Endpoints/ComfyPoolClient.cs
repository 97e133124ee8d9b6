using System.Text.Json.Nodes;
using Dhee.Comfy;

namespace Dhee.Endpoints;

/// <summary>
/// One workflow run on a <see cref="ComfyPool"/>: uploads are staged until the instance is chosen at submit time, then
/// uploaded there; when the instance dies mid-job (the prompt is lost or the server unreachable) the workflow is resubmitted
/// once to another capable instance with the same prompt id.
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
        ComfyPromptResult result;
        try
        {
            result = await member.Client.WaitAsync(promptId, cancellationToken).ConfigureAwait(false);
        }
        catch (ComfyException ex) when (ex is not ComfyValidationException && CanFailOver)
        {
            result = new ComfyPromptResult { PromptId = promptId, Status = ComfyPromptStatus.Lost, Message = ex.Message };
        }

        if (result.Status is ComfyPromptStatus.Lost && CanFailOver)
        {
            Fail(member, result.Message ?? "prompt lost");
            var next = await pool.PickAsync(_prompt!, _failed, cancellationToken).ConfigureAwait(false);
            var again = await SubmitToAsync(next, cancellationToken).ConfigureAwait(false);
            result = await next.Client.WaitAsync(again.PromptId, cancellationToken).ConfigureAwait(false);
        }

        if (_member is { } current && !_released)
        {
            // Success, or a failure of the workflow itself (not of the instance).
            pool.Release(current, result.Status is ComfyPromptStatus.Lost or ComfyPromptStatus.TimedOut ? false : true);
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
