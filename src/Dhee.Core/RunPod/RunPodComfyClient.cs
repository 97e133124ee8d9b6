using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Dhee.Comfy;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dhee.RunPod;

/// <summary>
/// Drives a RunPod worker-comfyui endpoint through the <see cref="IComfyClient"/> contract, so the <see cref="ComfyExecutor"/>
/// and every Comfy runner work unchanged: "uploads" are staged and sent inline as <c>input.images</c> (base64, named as the
/// workflow's LoadImage nodes reference them), a submit is a RunPod job, waiting reads <c>/stream</c> (partial outputs become
/// <see cref="RunPodStreamEvent"/>s, progress-shaped ones also <see cref="ComfyNodeProgressEvent"/>s) or polls <c>/status</c>, outputs are written
/// from base64 or S3 URLs, and cancelling calls <c>/cancel</c>.
/// </summary>
public sealed class RunPodComfyClient : IComfyClient
{
    private readonly RunPodClient _client;
    private readonly ILogger _logger;
    private readonly List<(string Name, string Path)> _staged = [];
    private readonly ConcurrentDictionary<string, IProgress<ComfyEvent>?> _progress = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RunPodJobStatus> _sync = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<ComfyOutputFile, RunPodOutputItem> _outputs = new();

    /// <summary>Initializes a new instance of the <see cref="RunPodComfyClient"/> class.</summary>
    /// <param name="client">The RunPod client for the endpoint.</param>
    /// <param name="logger">A logger.</param>
    public RunPodComfyClient(RunPodClient client, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <inheritdoc/>
    public Uri BaseAddress => _client.EndpointBase;

    /// <summary>Gets the RunPod client.</summary>
    public RunPodClient RunPod => _client;

    /// <summary>Not available: RunPod endpoints do not expose ComfyUI's node catalog, so pre-submit checks are skipped.</summary>
    /// <param name="refresh">Ignored.</param>
    /// <param name="cancellationToken">Ignored.</param>
    /// <returns>Never returns.</returns>
    /// <exception cref="RunPodException">Always.</exception>
    public Task<ComfyObjectInfo> GetObjectInfoAsync(bool refresh = false, CancellationToken cancellationToken = default)
        => Task.FromException<ComfyObjectInfo>(new RunPodException($"RunPod endpoint {_client.Options.EndpointId} does not expose /object_info; UI-format workflows must be exported in API format, and node checks happen on the worker", HttpStatusCode.MethodNotAllowed));

    /// <summary>Stages an image to be sent inline with the next job; the name is derived from the content, so the same bytes get the same name.</summary>
    /// <param name="filePath">The local file.</param>
    /// <param name="kind">Image or mask (both are sent as images; worker-comfyui has no mask upload).</param>
    /// <param name="originalRef">Ignored.</param>
    /// <param name="cancellationToken">Cancels the hashing.</param>
    /// <returns>The name to put into the workflow.</returns>
    public async Task<ComfyUploadResult> UploadAsync(string filePath, ComfyUploadKind kind = ComfyUploadKind.Image, ComfyUploadResult? originalRef = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(filePath);
        var stream = File.OpenRead(filePath);
        byte[] hash;
        await using (stream.ConfigureAwait(false))
        {
            hash = await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
        }

        // The same content-hash name ComfyClient uploads under, so a workflow reads the same on a local server and on RunPod.
        var name = $"dhee-{Convert.ToHexStringLower(hash)[..24]}{Path.GetExtension(filePath).ToLowerInvariant()}";
        lock (_staged)
        {
            var reused = _staged.Any(s => s.Name == name);
            if (!reused)
            {
                _staged.Add((name, filePath));
            }

            return new ComfyUploadResult(name, string.Empty, "input", reused);
        }
    }

    /// <summary>Sends the workflow with the staged images as one RunPod job (<c>/run</c>, or <c>/runsync</c> when configured). Refuses before sending when the body would exceed RunPod's limit, naming the largest input.</summary>
    /// <param name="prompt">The API workflow.</param>
    /// <param name="options">Progress sink; <c>extra_data.api_key_comfy_org</c> is passed as <c>comfy_org_api_key</c>.</param>
    /// <param name="cancellationToken">Cancels the submit.</param>
    /// <returns>The job, with its id as the prompt id.</returns>
    public async Task<ComfySubmission> SubmitAsync(JsonObject prompt, ComfySubmitOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        List<(string Name, string Path)> staged;
        lock (_staged)
        {
            staged = [.. _staged];
        }

        var sync = _client.Options.UseRunSync;
        var limit = sync ? RunPodClientOptions.RunSyncBodyLimit : RunPodClientOptions.RunBodyLimit;
        var workflowBytes = Encoding.UTF8.GetByteCount(prompt.ToJsonString());
        var sizes = staged.Select(s => (s.Name, s.Path, Encoded: (new FileInfo(s.Path).Length + 2) / 3 * 4)).ToList();
        var estimate = workflowBytes + sizes.Sum(s => s.Encoded + s.Name.Length + 32) + 64;
        if (estimate > limit)
        {
            var route = sync ? "/runsync" : "/run";
            var biggest = sizes.OrderByDescending(s => s.Encoded).FirstOrDefault();
            var what = biggest.Name is null
                ? $"the workflow itself is {RunPodClient.Megabytes(workflowBytes)}"
                : $"image input '{Path.GetFileName(biggest.Path)}' (sent as {biggest.Name}) is {RunPodClient.Megabytes(biggest.Encoded)} as base64";
            throw new RunPodException($"the job for RunPod endpoint {_client.Options.EndpointId} would be about {RunPodClient.Megabytes(estimate)}, over the {RunPodClient.Megabytes(limit)} body limit of {route}: {what}; resize or compress the image (JPEG/WebP), {(sync ? string.Empty : "switch the endpoint to runsync (20 MB), ")}or run this workflow on a local ComfyUI endpoint", HttpStatusCode.RequestEntityTooLarge);
        }

        var images = new JsonArray();
        foreach (var (name, path) in staged)
        {
            images.Add(new JsonObject { ["name"] = name, ["image"] = Convert.ToBase64String(await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false)) });
        }

        var input = new JsonObject { ["workflow"] = prompt.DeepClone() };
        if (images.Count > 0)
        {
            input["images"] = images;
        }

        if (options?.ExtraData?["api_key_comfy_org"] is { } comfyOrgKey)
        {
            input["comfy_org_api_key"] = comfyOrgKey.DeepClone();
        }

        var job = sync
            ? await _client.RunSyncAsync(input, null, cancellationToken).ConfigureAwait(false)
            : await _client.SubmitAsync(input, cancellationToken).ConfigureAwait(false);
        lock (_staged)
        {
            _staged.Clear();
        }

        _progress[job.Id] = options?.Progress;
        if (sync)
        {
            _sync[job.Id] = job;
        }

        return new ComfySubmission(job.Id, 0, []);
    }

    /// <summary>Polls the job until it is final and maps it: COMPLETED → succeeded (or failed when the worker reported only errors), FAILED → failed with RunPod's error text, CANCELLED → interrupted, TIMED_OUT → timed out.</summary>
    /// <param name="promptId">The job id.</param>
    /// <param name="cancellationToken">Cancels the wait and the job.</param>
    /// <returns>The result.</returns>
    public async Task<ComfyPromptResult> WaitAsync(string promptId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(promptId);
        _progress.TryRemove(promptId, out var sink);
        _sync.TryRemove(promptId, out var known);
        var progress = new StatusBridge(promptId, sink);
        var status = await _client.WaitAsync(promptId, progress, known, cancellationToken).ConfigureAwait(false);
        var endpoint = _client.Options.EndpointId;
        switch (status.State)
        {
            case RunPodJobState.Completed:
                break;
            case RunPodJobState.Failed:
                return Result(promptId, ComfyPromptStatus.Failed, $"RunPod job {promptId} on endpoint {endpoint} failed: {status.Error ?? "no error text"}", status);
            case RunPodJobState.Cancelled:
                return Result(promptId, ComfyPromptStatus.Interrupted, $"RunPod job {promptId} on endpoint {endpoint} was cancelled", status);
            case RunPodJobState.TimedOut:
                return Result(promptId, ComfyPromptStatus.TimedOut, status.ClientDeadlinePassed
                    ? $"RunPod job {promptId} on endpoint {endpoint}: {status.Error}; raise the endpoint's timeout if the workflow is slow"
                    : $"RunPod job {promptId} on endpoint {endpoint} ran past the endpoint's execution timeout (TIMED_OUT); raise it in the RunPod console or make the workflow faster", status);
            default:
                return Result(promptId, ComfyPromptStatus.Lost, $"RunPod job {promptId} on endpoint {endpoint} ended with unknown status '{status.RawStatus}'", status);
        }

        var output = RunPodWorkerOutput.Parse(status);
        foreach (var error in output.Errors)
        {
            _logger.LogWarning("RunPod endpoint {Endpoint}: job {Job} reported: {Error}", endpoint, promptId, error);
        }

        if (output.Files.Count == 0 && output.Errors.Count > 0)
        {
            return Result(promptId, ComfyPromptStatus.Failed, $"RunPod job {promptId} on endpoint {endpoint} produced no outputs: {string.Join("; ", output.Errors)}", status);
        }

        var files = new List<ComfyOutputFile>();
        foreach (var item in output.Files)
        {
            var file = new ComfyOutputFile("runpod", "images", item.Filename, string.Empty, "output");
            _outputs[file] = item;
            files.Add(file);
        }

        return new ComfyPromptResult
        {
            PromptId = promptId,
            Status = ComfyPromptStatus.Succeeded,
            Files = files,
            Texts = [.. output.Errors.Select(e => new KeyValuePair<string, string>("runpod.errors", e))],
            RawOutputs = status.Output is JsonObject raw ? (JsonObject)raw.DeepClone() : [],
            Message = output.NoImages ? $"RunPod job {promptId} finished with success_no_images: worker-comfyui returns images only (video, audio and text outputs are not sent back)" : null,
        };
    }

    /// <summary>Writes an output of a finished job to disk (streamed and atomic).</summary>
    /// <param name="file">The output, from the result of <see cref="WaitAsync"/>.</param>
    /// <param name="destinationPath">Where to write it.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Bytes written.</returns>
    public Task<long> DownloadAsync(ComfyOutputFile file, string destinationPath, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        return _outputs.TryGetValue(file, out var item)
            ? _client.SaveOutputAsync(item, destinationPath, cancellationToken)
            : throw new RunPodException($"output {file.Filename} does not belong to a job this client waited for");
    }

    /// <summary>Cancels the job (<c>POST /cancel</c>).</summary>
    /// <param name="promptId">The job id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Queued or Running for a job that was still active, else its final status.</returns>
    public async Task<ComfyPromptStatus> CancelAsync(string promptId, CancellationToken cancellationToken = default)
    {
        var before = await _client.GetStatusAsync(promptId, cancellationToken).ConfigureAwait(false);
        if (!before.IsTerminal)
        {
            await _client.CancelAsync(promptId, cancellationToken).ConfigureAwait(false);
        }

        return before.State switch
        {
            RunPodJobState.InQueue => ComfyPromptStatus.Queued,
            RunPodJobState.InProgress => ComfyPromptStatus.Running,
            RunPodJobState.Completed => ComfyPromptStatus.Succeeded,
            RunPodJobState.Failed => ComfyPromptStatus.Failed,
            RunPodJobState.Cancelled => ComfyPromptStatus.Interrupted,
            RunPodJobState.TimedOut => ComfyPromptStatus.TimedOut,
            _ => ComfyPromptStatus.Lost,
        };
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static ComfyPromptResult Result(string id, ComfyPromptStatus status, string message, RunPodJobStatus job) => new()
    {
        PromptId = id,
        Status = status,
        Message = message,
        Error = status == ComfyPromptStatus.Failed ? new ComfyExecutionError(string.Empty, "RunPod", job.RawStatus, job.Error ?? message, []) : null,
        RawOutputs = job.Output as JsonObject ?? [],
    };

    private sealed class StatusBridge(string id, IProgress<ComfyEvent>? sink) : IProgress<RunPodJobStatus>
    {
        private RunPodJobState _last = RunPodJobState.Unknown;

        public void Report(RunPodJobStatus value)
        {
            if (sink is null)
            {
                return;
            }

            if (value.State != _last)
            {
                if (value.State == RunPodJobState.InQueue)
                {
                    sink.Report(new ComfyQueuedEvent(id, 0));
                }
                else if (value.State == RunPodJobState.InProgress)
                {
                    sink.Report(new ComfyExecutionStartedEvent(id));
                }

                _last = value.State;
            }

            sink.Report(new RunPodJobEvent(id, value.State, value.DelayTimeMs, value.ExecutionTimeMs));
            foreach (var output in value.StreamOutputs)
            {
                var streamed = new RunPodStreamEvent(id, output);
                sink.Report(streamed);
                if (streamed.TryGetProgress(out var node, out var done, out var max))
                {
                    sink.Report(new ComfyNodeProgressEvent(id, node, done, max));
                }
            }
        }
    }
}
