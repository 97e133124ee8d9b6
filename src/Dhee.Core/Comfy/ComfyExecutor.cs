using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dhee.Caching;
using Dhee.Diagnostics;
using Dhee.Endpoints;
using Dhee.Errors;
using Dhee.Runners;
using Dhee.Utils;
using Microsoft.Extensions.Logging;

namespace Dhee.Comfy;

/// <summary>
/// The shared helper Comfy runners call (not a runner itself): resolves the endpoint, enforces the manifest's required
/// inputs before anything is uploaded or queued, applies per-endpoint aliases and class swaps, uploads images, prunes
/// optional branches, maps inputs, validates against the endpoint's <c>/object_info</c>, queues and waits, downloads
/// the result atomically to the node's output path, and caches it by every input that affects it.
/// </summary>
public sealed class ComfyExecutor
{
    /// <summary>The reserved input carrying the text prompt.</summary>
    public const string PromptInput = "prompt";

    /// <summary>The reserved input carrying the seed.</summary>
    public const string SeedInput = "seed";

    /// <summary>The reserved input carrying the file-name prefix for save nodes.</summary>
    public const string FilenamePrefixInput = "filenamePrefix";

    internal static readonly string[] ModelExtensions = [".safetensors", ".ckpt", ".pt", ".pth", ".bin", ".gguf", ".onnx", ".sft"];

    private readonly IComfyClientFactory _clients;
    private readonly EndpointResolver _endpoints;

    /// <summary>Initializes a new instance of the <see cref="ComfyExecutor"/> class.</summary>
    /// <param name="clientFactory">Creates clients per endpoint; null uses real <see cref="ComfyClient"/>s.</param>
    /// <param name="endpoints">Resolves endpoint names; null reads <c>ENDPOINT_&lt;NAME&gt;</c> and <c>COMFYUI_BASE_URL</c> from the environment.</param>
    public ComfyExecutor(IComfyClientFactory? clientFactory = null, EndpointResolver? endpoints = null)
    {
        _clients = clientFactory ?? new ComfyClientFactory();
        _endpoints = endpoints ?? new EndpointResolver();
    }

    /// <summary>Runs one workflow for one node and writes its result to the node's output path.</summary>
    /// <param name="context">The runner context (project folder, bundle folder, cache, cancellation, progress).</param>
    /// <param name="request">The workflow, inputs and endpoint.</param>
    /// <returns>Success with metadata (<c>promptId</c>, <c>endpoint</c>, <c>timings</c>, <c>cached</c>, <c>inputsHash</c>, <c>seed</c>), or a failure whose message names the node, input or file and the fix.</returns>
    /// <exception cref="OperationCanceledException">The context's token was cancelled (a running prompt is cancelled on the server).</exception>
    public async ValueTask<RunnerResult> ExecuteAsync(RunnerContext context, ComfyExecutionRequest request)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        var ct = context.CancellationToken;
        ct.ThrowIfCancellationRequested();
        var time = context.TimeProvider;
        var started = time.GetTimestamp();
        var who = $"{request.Tool} node '{context.Node.Id}'" + (context.ItemId is null ? string.Empty : $" item '{context.ItemId}'");

        // Output path (never outside the project).
        string outputFull;
        var outputRel = request.OutputPath ?? context.OutputPath;
        try
        {
            outputFull = context.ResolveProjectPath(outputRel);
        }
        catch (ArgumentException ex)
        {
            return RunnerResult.Failure($"{who}: output path '{outputRel}' is not usable: {ex.Message}");
        }

        // Workflow and manifest.
        JsonObject workflow;
        string? workflowFile = null;
        if (request.Workflow is not null)
        {
            workflow = (JsonObject)request.Workflow.DeepClone();
        }
        else if (!string.IsNullOrWhiteSpace(request.WorkflowPath))
        {
            if (!context.TryResolveBundlePath(request.WorkflowPath, out workflowFile, out var pathError))
            {
                return RunnerResult.Failure($"{who}: workflowPath: {pathError}");
            }

            if (!File.Exists(workflowFile))
            {
                return RunnerResult.Failure($"{who}: the workflow file '{request.WorkflowPath}' does not exist in the bundle folder ({workflowFile}); fix config.workflowPath");
            }

            try
            {
                workflow = JsonNode.Parse(await File.ReadAllTextAsync(workflowFile, ct).ConfigureAwait(false)) as JsonObject
                    ?? throw new JsonException("the top level is not an object");
            }
            catch (JsonException ex)
            {
                return RunnerResult.Failure($"{who}: the workflow file '{request.WorkflowPath}' is not valid JSON: {ex.Message}");
            }
        }
        else
        {
            return RunnerResult.Failure($"{who}: no workflow given; set config.workflowPath to an API-format workflow file in the bundle");
        }

        ComfyWorkflowManifest manifest;
        string? manifestFile = null;
        if (request.Manifest is not null)
        {
            manifest = request.Manifest;
        }
        else if (!string.IsNullOrWhiteSpace(request.ManifestPath))
        {
            if (!context.TryResolveBundlePath(request.ManifestPath, out manifestFile, out var pathError))
            {
                return RunnerResult.Failure($"{who}: manifestPath: {pathError}");
            }

            if (!File.Exists(manifestFile))
            {
                return RunnerResult.Failure($"{who}: the manifest '{request.ManifestPath}' does not exist in the bundle folder; fix config.manifestPath");
            }

            try
            {
                manifest = ComfyWorkflowManifest.Parse(await File.ReadAllTextAsync(manifestFile, ct).ConfigureAwait(false), request.ManifestPath);
            }
            catch (DheeValidationException ex)
            {
                return RunnerResult.Failure($"{who}: {ex.Message}");
            }
        }
        else
        {
            manifest = new ComfyWorkflowManifest();
        }

        // Required inputs, before anything is uploaded or queued.
        var missing = manifest.InputRequirements.Where(r => r.Required && !IsPresent(r.Id, request)).ToList();
        if (missing.Count > 0)
        {
            var lines = missing.Select(r => $"'{r.Id}' ({r.Type}{(r.Source is null ? string.Empty : ", from " + r.Source)}{(r.Description is null ? string.Empty : ": " + r.Description)})");
            return RunnerResult.Failure($"{who}: required workflow input {string.Join(", ", lines)} is missing; connect it in the bundle or set it in the node's config");
        }

        foreach (var (name, path) in request.ImageInputs)
        {
            if (!File.Exists(path))
            {
                return RunnerResult.Failure($"{who}: image input '{name}' points at '{path}', which does not exist; check the upstream node's output");
            }
        }

        // Endpoint.
        if (!_endpoints.TryResolve(request.Endpoint, out var endpoint, out var endpointError))
        {
            return RunnerResult.Failure($"{who}: {endpointError}");
        }

        if (!_clients.Supports(endpoint.Kind))
        {
            return RunnerResult.Failure($"{who}: endpoint '{endpoint.Name}' is a {endpoint.Kind} endpoint ({endpoint.DisplayUrl}), which the configured client factory cannot drive; use a ComfyUI address (http://host:8188) or a factory that supports {endpoint.Kind}");
        }

        // Cache key over everything that affects the output.
        var cache = context.Cache ?? GenerationCache.Disabled;
        var scalars = new JsonObject();
        foreach (var (name, value) in request.Scalars.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            scalars[name] = value?.DeepClone();
        }

        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        if (workflowFile is not null)
        {
            files["workflow"] = workflowFile;
        }

        if (manifestFile is not null)
        {
            files["manifest"] = manifestFile;
        }

        foreach (var (name, path) in request.ImageInputs)
        {
            files["img_" + name] = path;
        }

        var config = new JsonObject
        {
            ["workflow"] = workflowFile is null ? workflow.DeepClone() : null,
            ["manifest"] = manifestFile is null ? ManifestJson(manifest) : null,
            ["modelAliases"] = new JsonObject([.. endpoint.Definition.ModelAliases.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new KeyValuePair<string, JsonNode?>(p.Key, p.Value))]),
            ["classSwaps"] = new JsonArray([.. endpoint.Definition.ClassSwaps.Select(s => (JsonNode)JsonSerializer.SerializeToNode(new { s.FromClass, s.ToClass, s.NodeId, s.Workflow, InputRenames = s.InputRenames.OrderBy(p => p.Key, StringComparer.Ordinal).ToArray() })!)]),
            ["outputExtension"] = Path.GetExtension(outputFull).ToLowerInvariant(),
        };
        var inputs = new JsonObject { ["prompt"] = request.Prompt, ["scalars"] = scalars, ["images"] = new JsonArray([.. request.ImageInputs.Keys.Order(StringComparer.Ordinal).Select(k => (JsonNode)JsonValue.Create(k)!)]) };
        var seed = request.Seed ?? ScalarSeed(request.Scalars);
        var key = new InputsHashKey { Tool = request.Tool, ToolVersion = request.ToolVersion, Inputs = inputs, Config = config, Seed = seed, Files = files };
        var inputsHash = await cache.ComputeHashAsync(key, ct).ConfigureAwait(false);
        if (seed is null)
        {
            seed = long.Parse(inputsHash[..8], NumberStyles.HexNumber, CultureInfo.InvariantCulture) & 0x7FFFFFFF;
        }

        if (!request.ForceRerun && cache.IsEnabled)
        {
            var hit = await cache.TryGetAsync(inputsHash, ct).ConfigureAwait(false);
            if (hit is not null)
            {
                await cache.RestoreAsync(hit, outputFull, ct).ConfigureAwait(false);
                var meta = (JsonObject)hit.Metadata.DeepClone();
                meta[RunnerMetadataKeys.Cached] = true;
                meta[RunnerMetadataKeys.InputsHash] = inputsHash;
                return RunnerResult.Success(outputRel, meta);
            }
        }
        else if (!request.ForceRerun && !cache.IsEnabled && File.Exists(outputFull) && new FileInfo(outputFull).Length > 0)
        {
            return RunnerResult.Success(outputRel, new JsonObject { [RunnerMetadataKeys.Cached] = false, ["skipped"] = "output exists and the cache is disabled", [RunnerMetadataKeys.InputsHash] = inputsHash });
        }

        ct.ThrowIfCancellationRequested();
        var client = _clients.Create(endpoint);
        await using (client.ConfigureAwait(false))
        {
            try
            {
                return await RunOnEndpointAsync(context, request, client, endpoint, workflow, workflowFile, manifest, outputRel, outputFull, seed.Value, inputsHash, cache, who, started).ConfigureAwait(false);
            }
            catch (ComfyValidationException ex)
            {
                return RunnerResult.Failure(new RunnerError($"{who}: {ex.Message}", false, "comfy.validation"));
            }
            catch (ComfyException ex)
            {
                var transient = ex.StatusCode is null || (int)ex.StatusCode >= 500 || ex.StatusCode == HttpStatusCode.TooManyRequests;
                return RunnerResult.Failure(new RunnerError($"{who}: {ex.Message}", transient, "comfy.transport"));
            }
        }
    }

    private async ValueTask<RunnerResult> RunOnEndpointAsync(
        RunnerContext context,
        ComfyExecutionRequest request,
        IComfyClient client,
        ResolvedEndpoint endpoint,
        JsonObject workflow,
        string? workflowFile,
        ComfyWorkflowManifest manifest,
        string outputRel,
        string outputFull,
        long seed,
        string inputsHash,
        IGenerationCache cache,
        string who,
        long started)
    {
        var ct = context.CancellationToken;
        var time = context.TimeProvider;
        var def = endpoint.Definition;
        var isUi = ComfyWorkflowConverter.IsUiFormat(workflow);
        ComfyObjectInfo? info = null;
        if (isUi || (endpoint.Kind == EndpointKind.ComfyUI && (request.ValidateBeforeSubmit || def.ClassSwaps.Count > 0)))
        {
            try
            {
                info = await client.GetObjectInfoAsync(false, ct).ConfigureAwait(false);
            }
            catch (ComfyException ex) when (!isUi)
            {
                context.Logger.LogWarning("{Who}: /object_info of {Endpoint} unavailable ({Message}); skipping pre-submit checks", who, endpoint.DisplayUrl, ex.Message);
            }
        }

        if (isUi)
        {
            var conversion = ComfyWorkflowConverter.Convert(workflow, info!);
            if (conversion.Errors.Count > 0)
            {
                return RunnerResult.Failure($"{who}: the workflow is in UI (editor) format and could not be converted for {endpoint.DisplayUrl}: {string.Join("; ", conversion.Errors)}; export it with \"Export (API)\" instead");
            }

            workflow = conversion.Prompt;
        }

        // Per-endpoint class swaps, validated against the endpoint's catalog.
        var workflowName = workflowFile is null ? null : Path.GetFileName(workflowFile);
        foreach (var swap in def.ClassSwaps)
        {
            if (swap.Workflow is not null && !string.Equals(swap.Workflow, workflowName, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            foreach (var (nodeId, nodeNode) in workflow)
            {
                if (nodeNode is not JsonObject node || node["class_type"]?.ToString() != swap.FromClass || (swap.NodeId is not null && swap.NodeId != nodeId))
                {
                    continue;
                }

                if (info is not null && !info.HasClass(swap.ToClass))
                {
                    return RunnerResult.Failure($"{who}: endpoint '{endpoint.Name}' swaps {swap.FromClass} → {swap.ToClass} for node {nodeId}, but {swap.ToClass} is not installed there; install it or remove the swap");
                }

                node["class_type"] = swap.ToClass;
                if (node["inputs"] is JsonObject nodeInputs)
                {
                    foreach (var (from, to) in swap.InputRenames)
                    {
                        if (nodeInputs.Remove(from, out var moved))
                        {
                            nodeInputs[to] = moved;
                        }
                    }
                }

                if (info is not null && node["inputs"] is JsonObject swappedInputs)
                {
                    // Required widgets the new class adds take the server's defaults.
                    foreach (var spec in info.GetInputs(swap.ToClass).Where(i => i.Required && !swappedInputs.ContainsKey(i.Name) && i.Config?["default"] is not null))
                    {
                        swappedInputs[spec.Name] = spec.Config!["default"]!.DeepClone();
                    }
                }

                context.Logger.LogInformation("{Who}: node {Node} class {From} → {To} for endpoint {Endpoint}", who, nodeId, swap.FromClass, swap.ToClass, endpoint.Name);
            }
        }

        // Per-endpoint model aliases: only model-file values of *_name inputs.
        if (def.ModelAliases.Count > 0)
        {
            foreach (var (_, nodeNode) in workflow)
            {
                if (nodeNode?["inputs"] is not JsonObject nodeInputs)
                {
                    continue;
                }

                foreach (var name in nodeInputs.Select(p => p.Key).Where(n => n.EndsWith("_name", StringComparison.Ordinal)).ToList())
                {
                    if (nodeInputs[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String
                        && def.ModelAliases.TryGetValue(v.GetValue<string>(), out var alias)
                        && ModelExtensions.Any(e => v.GetValue<string>().EndsWith(e, StringComparison.OrdinalIgnoreCase)))
                    {
                        nodeInputs[name] = alias;
                    }
                }
            }
        }

        // Uploads.
        var values = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var (name, path) in request.ImageInputs)
        {
            ct.ThrowIfCancellationRequested();
            var uploaded = await client.UploadAsync(path, ComfyUploadKind.Image, null, ct).ConfigureAwait(false);
            values[name] = uploaded.WorkflowValue;
        }

        // Optional branches.
        var pruned = new HashSet<string>(StringComparer.Ordinal);
        if (request.PruneAbsent is not null)
        {
            var plan = request.PruneAbsent(workflow, new HashSet<string>(request.ImageInputs.Keys, StringComparer.Ordinal));
            if (plan is not null)
            {
                pruned.UnionWith(ComfyWorkflowGraph.PruneAndRedirect(workflow, plan));
            }
        }

        // Value map and mappings.
        foreach (var (name, value) in request.Scalars)
        {
            values.TryAdd(name, value?.DeepClone());
        }

        if (request.Prompt is not null)
        {
            values[PromptInput] = request.Prompt;
        }

        values[SeedInput] = seed;
        values[FilenamePrefixInput] = $"dhee/{SanitizePrefix(context.Node.Id)}_{inputsHash[..12]}";
        var mappingError = ApplyMappings(workflow, manifest, values, pruned);
        if (mappingError is not null)
        {
            return RunnerResult.Failure($"{who}: {mappingError}");
        }

        if (info is not null && request.ValidateBeforeSubmit)
        {
            var problems = ComfyPromptValidator.Validate(workflow, info);
            if (problems.Count > 0)
            {
                throw new ComfyValidationException("prompt_outputs_failed_validation", $"the workflow does not fit endpoint '{endpoint.Name}' (checked before queueing)", null, problems, endpoint.DisplayUrl);
            }
        }

        // Queue and wait.
        ct.ThrowIfCancellationRequested();
        var nodeCount = Math.Max(1, workflow.Count);
        var done = 0;
        var progress = new ProgressBridge(e =>
        {
            request.Progress?.Report(e);
            switch (e)
            {
                case ComfyExecutingEvent x:
                    done++;
                    context.ReportProgress(Math.Min(0.99, (done - 1.0) / nodeCount), $"running node {x.NodeId}");
                    break;
                case ComfyNodeProgressEvent p when p.Max > 0:
                    context.ReportProgress(Math.Min(0.99, (Math.Max(0, done - 1) + ((double)p.Value / p.Max)) / nodeCount), $"node {p.NodeId}: {p.Value}/{p.Max}");
                    break;
                case ComfyQueuedEvent q:
                    context.ReportProgress(0, $"queued at position {q.Position}");
                    break;
                case RunPod.RunPodJobEvent r:
                    context.ReportProgress(r.State == RunPod.RunPodJobState.InProgress ? 0.1 : 0, r.Describe());
                    break;
            }
        });
        var submitted = time.GetTimestamp();
        ComfySubmission submission;
        using (var span = StartSpan(DheeTelemetry.ComfySubmitSpan, endpoint))
        {
            try
            {
                submission = await client.SubmitAsync(workflow, new ComfySubmitOptions { Progress = progress, ExtraData = request.ExtraData }, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (DheeTelemetry.Fail(span, ex))
            {
                throw;
            }

            span?.SetTag(TelemetryTags.PromptId, submission.PromptId);
        }

        ComfyPromptResult result;
        using (var span = StartSpan(DheeTelemetry.ComfyWaitSpan, endpoint))
        {
            span?.SetTag(TelemetryTags.PromptId, submission.PromptId);
            try
            {
                result = await client.WaitAsync(submission.PromptId, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (DheeTelemetry.Fail(span, ex))
            {
                throw;
            }

            span?.SetTag(TelemetryTags.PromptStatus, result.Status.ToString().ToLowerInvariant());
            if (!result.IsSuccess)
            {
                DheeTelemetry.SetError(span, result.Message, "comfy." + result.Status.ToString().ToLowerInvariant());
            }
        }

        var finished = time.GetTimestamp();
        if (!result.IsSuccess)
        {
            var transient = result.Status is ComfyPromptStatus.Lost or ComfyPromptStatus.TimedOut;
            return RunnerResult.Failure(new RunnerError($"{who}: {result.Message}", transient, "comfy." + result.Status.ToString().ToLowerInvariant()));
        }

        var candidates = result.PrimaryFiles;
        if (candidates.Count == 0)
        {
            return RunnerResult.Failure($"{who}: ComfyUI at {endpoint.DisplayUrl} finished prompt {result.PromptId} but returned no output files; {result.Message ?? "does the workflow end in a save node?"}");
        }

        var wantedExt = Path.GetExtension(outputFull).ToLowerInvariant();
        var chosen = request.SelectOutput is not null
            ? request.SelectOutput(result.Files)
            : candidates.FirstOrDefault(f => f.Extension == wantedExt) ?? candidates[0];
        if (chosen is null)
        {
            return RunnerResult.Failure($"{who}: no output of prompt {result.PromptId} was selected");
        }

        long bytes;
        using (var span = StartSpan(DheeTelemetry.ComfyDownloadSpan, endpoint))
        {
            span?.SetTag(TelemetryTags.PromptId, result.PromptId);
            try
            {
                bytes = await client.DownloadAsync(chosen, outputFull, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (DheeTelemetry.Fail(span, ex))
            {
                throw;
            }

            span?.SetTag(TelemetryTags.Bytes, bytes);
        }

        if (!File.Exists(outputFull) || new FileInfo(outputFull).Length != bytes || bytes == 0)
        {
            return RunnerResult.Failure($"{who}: the downloaded output {chosen.Filename} did not arrive intact at {outputRel}");
        }

        var downloaded = time.GetTimestamp();
        var metadata = new JsonObject
        {
            ["promptId"] = result.PromptId,
            ["endpoint"] = endpoint.Name,
            ["endpointUrl"] = client.BaseAddress.GetLeftPart(UriPartial.Path),
            ["seed"] = seed,
            ["output"] = new JsonObject { ["filename"] = chosen.Filename, ["subfolder"] = chosen.Subfolder, ["type"] = chosen.Type, ["nodeId"] = chosen.NodeId, ["kind"] = chosen.Kind },
            ["outputs"] = result.Files.Count,
            ["serverCachedNodes"] = result.CachedNodes.Count,
            ["timings"] = new JsonObject
            {
                ["prepareMs"] = Ms(time.GetElapsedTime(started, submitted)),
                ["executeMs"] = Ms(time.GetElapsedTime(submitted, finished)),
                ["downloadMs"] = Ms(time.GetElapsedTime(finished, downloaded)),
                ["totalMs"] = Ms(time.GetElapsedTime(started, downloaded)),
            },
            [RunnerMetadataKeys.Cached] = false,
            [RunnerMetadataKeys.InputsHash] = inputsHash,
        };
        if (cache.IsEnabled)
        {
            try
            {
                await cache.PutAsync(inputsHash, outputFull, metadata, ct).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                context.Logger.LogWarning("{Who}: could not store the result in the cache: {Message}", who, ex.Message);
            }
        }

        return RunnerResult.Success(outputRel, metadata);
    }

    /// <summary>Applies a manifest's mappings: each input with a value is written to its node field; nodes pruned on purpose are skipped.</summary>
    /// <returns>An error naming the input and node, or null.</returns>
    internal static string? ApplyMappings(JsonObject workflow, ComfyWorkflowManifest manifest, IReadOnlyDictionary<string, JsonNode?> values, IReadOnlySet<string> pruned)
    {
        foreach (var mapping in manifest.ParameterMappings)
        {
            if (!values.TryGetValue(mapping.Input, out var value) || value is null)
            {
                continue;
            }

            if (workflow[mapping.NodeId] is not JsonObject target)
            {
                if (pruned.Contains(mapping.NodeId))
                {
                    continue;
                }

                return $"the manifest maps input '{mapping.Input}' to node '{mapping.NodeId}', which is not in the workflow; fix parameterMappings";
            }

            if (target["inputs"] is not JsonObject targetInputs)
            {
                targetInputs = [];
                target["inputs"] = targetInputs;
            }

            targetInputs[mapping.Field] = value.DeepClone();
        }

        return null;
    }

    private static double Ms(TimeSpan t) => Math.Round(t.TotalMilliseconds, 2);

    private static System.Diagnostics.Activity? StartSpan(string name, ResolvedEndpoint endpoint)
        => DheeTelemetry.Start(name, System.Diagnostics.ActivityKind.Client)
            ?.SetTag(TelemetryTags.Endpoint, UrlRedaction.ForDisplay(endpoint.Name))
            .SetTag(TelemetryTags.EndpointKind, endpoint.Kind == EndpointKind.RunPod ? TelemetryTags.RunPodKind : TelemetryTags.ComfyUIKind);

    private static string SanitizePrefix(string id) => new([.. id.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_')]);

    private static bool IsPresent(string id, ComfyExecutionRequest request)
        => id switch
        {
            PromptInput => !string.IsNullOrWhiteSpace(request.Prompt) || (request.Scalars.TryGetValue(id, out var p) && p is not null),
            SeedInput or FilenamePrefixInput => true,
            _ => request.ImageInputs.ContainsKey(id) || (request.Scalars.TryGetValue(id, out var v) && v is not null),
        };

    private static long? ScalarSeed(IReadOnlyDictionary<string, JsonNode?> scalars)
        => scalars.TryGetValue(SeedInput, out var s) && s is JsonValue v && long.TryParse(v.ToJsonString().Trim('"'), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed) ? seed : null;

    private static JsonObject ManifestJson(ComfyWorkflowManifest manifest) => new()
    {
        ["parameterMappings"] = new JsonArray([.. manifest.ParameterMappings.Select(m => (JsonNode)new JsonObject { ["input"] = m.Input, ["nodeId"] = m.NodeId, ["field"] = m.Field })]),
        ["inputRequirements"] = new JsonArray([.. manifest.InputRequirements.Select(r => (JsonNode)new JsonObject { ["id"] = r.Id, ["type"] = r.Type, ["required"] = r.Required })]),
    };

    private sealed class ProgressBridge(Action<ComfyEvent> report) : IProgress<ComfyEvent>
    {
        public void Report(ComfyEvent value) => report(value);
    }
}
