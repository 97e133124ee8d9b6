using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Dhee.Testing.Comfy;

/// <content>Prompt validation and the fake execution queue.</content>
public sealed partial class LoopbackComfyServer
{
    private static readonly System.Text.RegularExpressions.Regex CanonicalUuid =
        new("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    private async Task HandlePromptPostAsync(HttpContext ctx)
    {
        JsonNode? body;
        try
        {
            body = await ReadJsonBodyAsync(ctx).ConfigureAwait(false);
        }
        catch (InvalidDataException)
        {
            await WriteServerErrorAsync(ctx).ConfigureAwait(false);
            return;
        }

        if (body is not JsonObject request || request["prompt"] is not JsonObject graph)
        {
            await WriteJsonAsync(ctx, 400, new JsonObject { ["error"] = "no prompt", ["node_errors"] = new JsonArray() }).ConfigureAwait(false);
            return;
        }

        int number;
        lock (_gate)
        {
            number = _number++;
        }

        if (request["front"] is JsonValue front && front.GetValueKind() == JsonValueKind.True)
        {
            number = -number;
        }

        var (error, outputs) = Validate(graph);
        if (error is not null)
        {
            await WriteJsonAsync(ctx, 400, error).ConfigureAwait(false);
            return;
        }

        var id = Guid.NewGuid().ToString();
        if (_options.AcceptClientPromptId && request["prompt_id"] is JsonValue given && given.GetValueKind() == JsonValueKind.String)
        {
            var candidate = given.GetValue<string>();
            if (!CanonicalUuid.IsMatch(candidate))
            {
                await WriteJsonAsync(ctx, 400, new JsonObject
                {
                    ["error"] = new JsonObject { ["type"] = "invalid_prompt_id", ["message"] = "Invalid prompt_id: must be a lowercase canonical UUID", ["details"] = candidate, ["extra_info"] = new JsonObject() },
                    ["node_errors"] = new JsonArray(),
                }).ConfigureAwait(false);
                return;
            }

            id = candidate;
        }

        var extra = request["extra_data"] is JsonObject e ? (JsonObject)e.DeepClone() : [];
        if (_options.ServeJobsApi)
        {
            extra["create_time"] = NowMs(); // newer servers stamp it for the jobs API
        }

        string? clientId = null;
        if (request["client_id"] is JsonValue cid && cid.GetValueKind() == JsonValueKind.String)
        {
            clientId = cid.GetValue<string>();
            extra["client_id"] = clientId;
        }

        lock (_gate)
        {
            _pending.Add(new QueuedPrompt
            {
                Id = id,
                Number = number,
                Graph = (JsonObject)graph.DeepClone(),
                ExtraData = extra,
                Outputs = outputs,
                ClientId = clientId,
                Generation = _generation,
            });
            AcceptedPrompts++;
        }

        await BroadcastStatusAsync().ConfigureAwait(false);
        _workSignal.Release();
        await WriteJsonAsync(ctx, 200, new JsonObject { ["prompt_id"] = id, ["number"] = number, ["node_errors"] = new JsonObject() }).ConfigureAwait(false);
    }

    private (JsonObject? Error, List<string> Outputs) Validate(JsonObject graph)
    {
        foreach (var (nodeId, node) in graph)
        {
            var cls = node?["class_type"];
            if (cls is not JsonValue clsValue || clsValue.GetValueKind() != JsonValueKind.String)
            {
                return (InvalidPrompt("invalid_prompt", "Cannot execute because a node is missing the class_type property.", $"Node ID '#{nodeId}'"), []);
            }

            if (_objectInfo[clsValue.GetValue<string>()] is null)
            {
                return (InvalidPrompt("invalid_prompt", $"Cannot execute because node {clsValue.GetValue<string>()} does not exist.", $"Node ID '#{nodeId}'"), []);
            }
        }

        var outputs = graph.Where(p => _objectInfo[ClassOf(p.Value)]?["output_node"]?.GetValue<bool>() == true)
            .Select(p => p.Key)
            .OrderByDescending(k => k, Comparer<string>.Create(CompareIds))
            .ToList();
        if (outputs.Count == 0)
        {
            return (InvalidPrompt("prompt_no_outputs", "Prompt has no outputs", string.Empty), []);
        }

        var nodeErrors = new JsonObject();
        var validated = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var output in outputs)
        {
            ValidateNode(graph, output, output, nodeErrors, validated, 0);
        }

        if (nodeErrors.Count > 0)
        {
            return (new JsonObject
            {
                ["error"] = new JsonObject { ["type"] = "prompt_outputs_failed_validation", ["message"] = "Prompt outputs failed validation", ["details"] = string.Empty, ["extra_info"] = new JsonObject() },
                ["node_errors"] = nodeErrors,
            }, outputs);
        }

        return (null, outputs);
    }

    private static int CompareIds(string a, string b)
        => int.TryParse(a, out var x) && int.TryParse(b, out var y) ? x.CompareTo(y) : string.CompareOrdinal(a, b);

    private static string ClassOf(JsonNode? node) => node?["class_type"]?.GetValue<string>() ?? string.Empty;

    private static JsonObject InvalidPrompt(string type, string message, string details) => new()
    {
        ["error"] = new JsonObject { ["type"] = type, ["message"] = message, ["details"] = details, ["extra_info"] = new JsonObject() },
        ["node_errors"] = new JsonArray(),
    };

    private void ValidateNode(JsonObject graph, string nodeId, string output, JsonObject nodeErrors, Dictionary<string, bool> validated, int depth)
    {
        if (depth > 512)
        {
            return;
        }

        if (validated.ContainsKey(nodeId))
        {
            AddDependent(nodeErrors, nodeId, output);
            return;
        }

        validated[nodeId] = true;
        var node = graph[nodeId]!.AsObject();
        var cls = ClassOf(node);
        var def = _objectInfo[cls]!.AsObject();
        var inputs = node["inputs"] as JsonObject ?? [];
        var errors = new JsonArray();
        var required = def["input"]?["required"] as JsonObject ?? [];
        var optional = def["input"]?["optional"] as JsonObject ?? [];
        foreach (var (name, spec) in required.Concat(optional))
        {
            var isRequired = required.ContainsKey(name);
            if (!inputs.TryGetPropertyValue(name, out var value) || value is null)
            {
                if (isRequired)
                {
                    errors.Add(NodeError("required_input_missing", "Required input is missing", name, new JsonObject { ["input_name"] = name }));
                }

                continue;
            }

            if (value is JsonArray link && link.Count == 2 && link[1] is JsonValue slot && slot.GetValueKind() == JsonValueKind.Number)
            {
                var source = link[0]?.ToString() ?? string.Empty;
                if (graph[source] is not JsonObject sourceNode)
                {
                    errors.Add(NodeError("bad_linked_input", "Bad linked input, must be a length-2 list of [string, int]", $"{name}, {PythonJson.Serialize(link)}", new JsonObject { ["input_name"] = name, ["input_config"] = spec?.DeepClone(), ["received_value"] = link.DeepClone() }));
                    continue;
                }

                var sourceOutputs = _objectInfo[ClassOf(sourceNode)]?["output"] as JsonArray ?? [];
                var slotIndex = slot.GetValue<int>();
                if (slotIndex < 0 || slotIndex >= sourceOutputs.Count)
                {
                    errors.Add(NodeError("bad_linked_input", "Bad linked input, must be a length-2 list of [string, int]", $"{name}, {PythonJson.Serialize(link)}", new JsonObject { ["input_name"] = name, ["input_config"] = spec?.DeepClone(), ["received_value"] = link.DeepClone() }));
                    continue;
                }

                var expected = spec is JsonArray s0 && s0.Count > 0 && s0[0] is JsonValue t ? t.ToString() : null;
                var received = sourceOutputs[slotIndex]?.ToString();
                if (expected is not null && expected != "*" && received != "*" && !string.Equals(expected, received, StringComparison.Ordinal))
                {
                    errors.Add(NodeError("return_type_mismatch", "Return type mismatch between linked nodes", $"{name}, received_type({received}) mismatch input_type({expected})", new JsonObject { ["input_name"] = name, ["input_config"] = spec?.DeepClone(), ["received_type"] = received, ["linked_node"] = link.DeepClone() }));
                    continue;
                }

                ValidateNode(graph, source, output, nodeErrors, validated, depth + 1);
                continue;
            }

            if (spec is not JsonArray specArray || specArray.Count == 0)
            {
                continue;
            }

            var config = specArray.Count > 1 ? specArray[1] as JsonObject : null;
            if (specArray[0] is JsonArray options)
            {
                if (config?["image_upload"] is not null)
                {
                    var file = value.ToString();
                    var bytes = GetFile("input", string.Empty, file);
                    if (bytes is null && !_files.ContainsKey(Key("input", string.Empty, file)))
                    {
                        errors.Add(NodeError("custom_validation_failed", "Custom validation failed for node", $"{name} - Invalid image file: {file}", new JsonObject { ["input_name"] = name }));
                    }

                    continue;
                }

                var allowed = options.Select(o => o?.ToString()).ToList();
                if (!allowed.Contains(value.ToString(), StringComparer.Ordinal))
                {
                    var list = "[" + string.Join(", ", allowed.Select(a => $"'{a}'")) + "]";
                    errors.Add(NodeError("value_not_in_list", "Value not in list", $"{name}: '{value}' not in {list}", new JsonObject { ["input_name"] = name, ["input_config"] = spec.DeepClone(), ["received_value"] = value.DeepClone() }));
                }

                continue;
            }

            var type = specArray[0]?.ToString();
            if (type is "INT" or "FLOAT" && value is JsonValue number)
            {
                if (number.GetValueKind() != JsonValueKind.Number && !double.TryParse(number.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                {
                    errors.Add(NodeError("invalid_input_type", $"Failed to convert an input value to a {type} value", $"{name}, {value}, could not convert", new JsonObject { ["input_name"] = name, ["input_config"] = spec.DeepClone(), ["received_value"] = value.DeepClone() }));
                    continue;
                }

                var v = number.GetValueKind() == JsonValueKind.Number ? number.GetValue<double>() : double.Parse(number.ToString(), CultureInfo.InvariantCulture);
                if (config?["min"] is JsonValue min && v < min.GetValue<double>())
                {
                    errors.Add(NodeError("value_smaller_than_min", $"Value {value} smaller than min of {min.ToJsonString()}", name, new JsonObject { ["input_name"] = name, ["input_config"] = spec.DeepClone(), ["received_value"] = value.DeepClone() }));
                }
                else if (config?["max"] is JsonValue max && v > max.GetValue<double>())
                {
                    errors.Add(NodeError("value_bigger_than_max", $"Value {value} bigger than max of {max.ToJsonString()}", name, new JsonObject { ["input_name"] = name, ["input_config"] = spec.DeepClone(), ["received_value"] = value.DeepClone() }));
                }
            }
        }

        if (errors.Count > 0)
        {
            nodeErrors[nodeId] = new JsonObject { ["errors"] = errors, ["dependent_outputs"] = new JsonArray(), ["class_type"] = cls };
        }

        AddDependent(nodeErrors, nodeId, output);
    }

    private static void AddDependent(JsonObject nodeErrors, string nodeId, string output)
    {
        if (nodeErrors[nodeId]?["dependent_outputs"] is JsonArray deps && !deps.Any(d => d?.ToString() == output))
        {
            deps.Add(output);
        }
    }

    private static JsonObject NodeError(string type, string message, string details, JsonObject extra)
        => new() { ["type"] = type, ["message"] = message, ["details"] = details, ["extra_info"] = extra };

    private async Task WorkerLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _workSignal.WaitAsync(TimeSpan.FromMilliseconds(50), _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            while (!_stop.IsCancellationRequested && !Faults.PauseQueue)
            {
                QueuedPrompt? next;
                lock (_gate)
                {
                    next = _pending.OrderBy(p => p.Number).FirstOrDefault();
                    if (next is null)
                    {
                        break;
                    }

                    _pending.Remove(next);
                    _running = next;
                    _interruptAll = false;
                    _interruptTarget = null;
                }

                try
                {
                    await ExecuteAsync(next).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    private bool IsCurrent(QueuedPrompt prompt)
    {
        lock (_gate)
        {
            return prompt.Generation == _generation && ReferenceEquals(_running, prompt);
        }
    }

    private bool InterruptRequested(QueuedPrompt prompt)
    {
        lock (_gate)
        {
            return _interruptAll || _interruptTarget == prompt.Id;
        }
    }

    private async Task ExecuteAsync(QueuedPrompt prompt)
    {
        var client = prompt.ClientId;
        var messages = new JsonArray();
        await BroadcastStatusAsync().ConfigureAwait(false);

        var start = new JsonObject { ["prompt_id"] = prompt.Id, ["timestamp"] = NowMs() };
        messages.Add(new JsonArray("execution_start", start.DeepClone()));
        await SendEventAsync(client, "execution_start", start).ConfigureAwait(false);
        if (Faults.DropSocketMidRun)
        {
            Faults.DropSocketMidRun = false;
            DropSockets();
        }

        var order = ExecutionOrder(prompt.Graph, prompt.Outputs);
        var signatures = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var id in order)
        {
            Signature(prompt.Graph, id, signatures, 0);
        }

        List<string> cached;
        lock (_gate)
        {
            cached = [.. order.Where(id => _nodeCache.ContainsKey(signatures[id])).OrderBy(id => id, Comparer<string>.Create(CompareIds))];
        }

        var cachedMsg = new JsonObject { ["nodes"] = new JsonArray([.. cached.Select(c => (JsonNode)JsonValue.Create(c)!)]), ["prompt_id"] = prompt.Id, ["timestamp"] = NowMs() };
        messages.Add(new JsonArray("execution_cached", cachedMsg.DeepClone()));
        await SendEventAsync(client, "execution_cached", cachedMsg).ConfigureAwait(false);

        var outputs = new JsonObject();
        var meta = new JsonObject();
        var executed = new List<string>();
        foreach (var id in order.Where(cached.Contains))
        {
            JsonObject? ui;
            lock (_gate)
            {
                ui = _nodeCache.GetValueOrDefault(signatures[id]);
            }

            if (ui is not null)
            {
                outputs[id] = ui.DeepClone();
                meta[id] = Meta(id);
                await SendEventAsync(client, "executed", new JsonObject { ["node"] = id, ["display_node"] = id, ["output"] = ui.DeepClone(), ["prompt_id"] = prompt.Id }).ConfigureAwait(false);
            }
        }

        string? failure = null;
        var progress = new ProgressStates(prompt.Id);
        foreach (var id in order.Where(id => !cached.Contains(id)))
        {
            if (!IsCurrent(prompt))
            {
                return; // restarted: the prompt is lost
            }

            var node = prompt.Graph[id]!.AsObject();
            var cls = ClassOf(node);
            await SendEventAsync(client, "executing", new JsonObject { ["node"] = id, ["display_node"] = id, ["prompt_id"] = prompt.Id }).ConfigureAwait(false);
            await SendProgressStateAsync(client, progress.Set(id, "running", 0, 1)).ConfigureAwait(false);
            if (InterruptRequested(prompt))
            {
                failure = "execution_interrupted";
                var data = new JsonObject { ["prompt_id"] = prompt.Id, ["node_id"] = id, ["node_type"] = cls, ["executed"] = Ids(executed), ["timestamp"] = NowMs() };
                messages.Add(new JsonArray("execution_interrupted", data.DeepClone()));
                if (!Faults.SuppressCompletionFrames)
                {
                    await SendEventAsync(client, "execution_interrupted", data).ConfigureAwait(false);
                }

                break;
            }

            if (_options.NodeDelay > TimeSpan.Zero)
            {
                await Task.Delay(_options.NodeDelay, _stop.Token).ConfigureAwait(false);
            }

            while (Faults.HangExecution && IsCurrent(prompt) && !InterruptRequested(prompt))
            {
                await Task.Delay(20, _stop.Token).ConfigureAwait(false);
            }

            if (!IsCurrent(prompt))
            {
                return;
            }

            var runtimeError = RuntimeErrorFor(node, cls);
            if (runtimeError is not null)
            {
                failure = "execution_error";
                await SendProgressStateAsync(client, progress.Set(id, "error", 0, 1)).ConfigureAwait(false);
                var inputs = new JsonObject();
                foreach (var (name, value) in node["inputs"] as JsonObject ?? [])
                {
                    if (value is not JsonArray)
                    {
                        inputs[name] = new JsonArray(value?.DeepClone());
                    }
                }

                var data = new JsonObject
                {
                    ["prompt_id"] = prompt.Id,
                    ["node_id"] = id,
                    ["node_type"] = cls,
                    ["executed"] = Ids(executed),
                    ["exception_message"] = runtimeError.Value.Message,
                    ["exception_type"] = runtimeError.Value.Type,
                    ["traceback"] = new JsonArray("  File \"loopback/execution.py\", line 1, in execute\n"),
                    ["current_inputs"] = inputs,
                    ["current_outputs"] = Ids(order),
                    ["timestamp"] = NowMs(),
                };
                messages.Add(new JsonArray("execution_error", data.DeepClone()));
                if (!Faults.SuppressCompletionFrames)
                {
                    await SendEventAsync(client, "execution_error", data).ConfigureAwait(false);
                }

                break;
            }

            if (node["inputs"]?["steps"] is JsonValue stepsValue && stepsValue.TryGetValue<int>(out var steps) && steps > 0)
            {
                for (var step = 1; step <= Math.Min(steps, 100); step++)
                {
                    await SendEventAsync(client, "progress", new JsonObject { ["value"] = step, ["max"] = steps, ["prompt_id"] = prompt.Id, ["node"] = id }).ConfigureAwait(false);
                    await SendProgressStateAsync(client, progress.Set(id, "running", step, steps)).ConfigureAwait(false);
                    if (_options.SendProgressText)
                    {
                        await SendProgressTextAsync(client, id, $"step {step}/{steps}").ConfigureAwait(false);
                    }

                    if (_options.SendPreviews)
                    {
                        await SendPreviewAsync(client, prompt.Id, id, LoopbackPng.Solid(4, 4, (byte)(step * 10), 128, 64)).ConfigureAwait(false);
                    }
                }
            }

            JsonObject? ui = null;
            if (_objectInfo[cls]?["output_node"]?.GetValue<bool>() == true)
            {
                ui = ProduceOutput(prompt.Graph, id, signatures[id]);
                outputs[id] = ui.DeepClone();
                meta[id] = Meta(id);
                await SendEventAsync(client, "executed", new JsonObject { ["node"] = id, ["display_node"] = id, ["output"] = ui.DeepClone(), ["prompt_id"] = prompt.Id }).ConfigureAwait(false);
            }

            lock (_gate)
            {
                _nodeCache[signatures[id]] = ui;
            }

            await SendProgressStateAsync(client, progress.Finish(id)).ConfigureAwait(false);
            executed.Add(id);
        }

        if (failure is null)
        {
            var success = new JsonObject { ["prompt_id"] = prompt.Id, ["timestamp"] = NowMs() };
            messages.Add(new JsonArray("execution_success", success.DeepClone()));
            if (!Faults.SuppressCompletionFrames)
            {
                await SendEventAsync(client, "execution_success", success).ConfigureAwait(false);
            }
        }

        lock (_gate)
        {
            if (prompt.Generation != _generation)
            {
                return;
            }

            var entry = new JsonObject
            {
                ["prompt"] = prompt.ToQueueEntry(),
                ["outputs"] = outputs,
                ["status"] = new JsonObject
                {
                    ["status_str"] = failure is null ? "success" : "error",
                    ["completed"] = failure is null,
                    ["messages"] = messages,
                },
                ["meta"] = failure == "execution_error" ? new JsonObject() : meta,
            };
            _history[prompt.Id] = entry;
            _historyOrder.Remove(prompt.Id);
            _historyOrder.Add(prompt.Id);
            _running = null;
        }

        await BroadcastStatusAsync().ConfigureAwait(false);
        if (!Faults.SuppressCompletionFrames)
        {
            LastCompletionFrameTimestamp = _options.TimeProvider.GetTimestamp();
            await SendEventAsync(client, "executing", new JsonObject { ["node"] = null, ["prompt_id"] = prompt.Id }).ConfigureAwait(false);
        }
    }

    private static JsonObject Meta(string id) => new() { ["node_id"] = id, ["display_node"] = id, ["parent_node"] = null, ["real_node_id"] = id };

    private static JsonArray Ids(IEnumerable<string> ids) => new([.. ids.Select(i => (JsonNode)JsonValue.Create(i)!)]);

    private (string Type, string Message)? RuntimeErrorFor(JsonObject node, string cls)
    {
        if (Faults.FailClassType is { } failClass && failClass == cls)
        {
            return ("RuntimeError", $"loopback: injected failure in {cls}");
        }

        var def = _objectInfo[cls]?["input"]?["required"] as JsonObject ?? [];
        foreach (var (name, spec) in def)
        {
            if (spec is JsonArray arr && arr.Count > 1 && arr[1]?["image_upload"] is not null && node["inputs"]?[name] is JsonValue file)
            {
                var bytes = GetFile("input", string.Empty, file.ToString());
                if (bytes is not null && !LoopbackPng.LooksLikeImage(bytes))
                {
                    return ("PIL.UnidentifiedImageError", $"cannot identify image file '/loopback/ComfyUI/input/{file}'");
                }
            }
        }

        return null;
    }

    private static List<string> ExecutionOrder(JsonObject graph, List<string> outputs)
    {
        var order = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Visit(string id)
        {
            if (!seen.Add(id) || graph[id] is not JsonObject node)
            {
                return;
            }

            var links = (node["inputs"] as JsonObject ?? []).Select(p => p.Value).OfType<JsonArray>()
                .Where(l => l.Count == 2 && l[1] is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
                .Select(l => l[0]!.ToString()).ToList();
            for (var i = links.Count - 1; i >= 0; i--)
            {
                Visit(links[i]);
            }

            order.Add(id);
        }

        foreach (var output in outputs)
        {
            Visit(output);
        }

        return order;
    }

    private static string Signature(JsonObject graph, string id, Dictionary<string, string> memo, int depth)
    {
        if (memo.TryGetValue(id, out var known))
        {
            return known;
        }

        if (depth > 512 || graph[id] is not JsonObject node)
        {
            return "missing:" + id;
        }

        var sb = new StringBuilder(ClassOf(node));
        foreach (var (name, value) in (node["inputs"] as JsonObject ?? []).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            sb.Append('|').Append(name).Append('=');
            if (value is JsonArray link && link.Count == 2 && link[1] is JsonValue slot && slot.GetValueKind() == JsonValueKind.Number)
            {
                sb.Append('<').Append(Signature(graph, link[0]!.ToString(), memo, depth + 1)).Append('#').Append(slot.ToJsonString()).Append('>');
            }
            else
            {
                sb.Append(value?.ToJsonString());
            }
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
        memo[id] = hash;
        return hash;
    }

    private int BatchOf(JsonObject graph, string id, int depth)
    {
        if (depth > 64 || graph[id] is not JsonObject node)
        {
            return 1;
        }

        var inputs = node["inputs"] as JsonObject ?? [];
        var cls = ClassOf(node);
        if (cls is "EmptyImage" or "EmptyLatentImage" && inputs["batch_size"] is JsonValue b && b.TryGetValue<int>(out var size))
        {
            return Math.Clamp(size, 1, 64);
        }

        var upstream = inputs.Select(p => p.Value).OfType<JsonArray>()
            .Where(l => l.Count == 2 && l[1] is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
            .Select(l => BatchOf(graph, l[0]!.ToString(), depth + 1)).ToList();
        if (upstream.Count == 0)
        {
            return 1;
        }

        return Math.Clamp(cls == "ImageBatch" ? upstream.Sum() : upstream.Max(), 1, 64);
    }

    private JsonObject ProduceOutput(JsonObject graph, string id, string signature)
    {
        var node = graph[id]!.AsObject();
        var cls = ClassOf(node);
        var inputs = node["inputs"] as JsonObject ?? [];
        var prefix = inputs["filename_prefix"] is JsonValue p && p.GetValueKind() == JsonValueKind.String ? p.GetValue<string>() : (cls.Contains("Audio", StringComparison.Ordinal) ? "audio/ComfyUI" : "ComfyUI");
        var count = BatchOf(graph, id, 0);
        var seed = Convert.FromHexString(signature[..6]);

        if (cls is "PreviewImage" or "PreviewAudio")
        {
            var suffix = new string([.. Enumerable.Range(0, 5).Select(_ => (char)('a' + _tempNames.Next(26)))]);
            var ext = cls == "PreviewAudio" ? ".flac" : ".png";
            var key = cls == "PreviewAudio" ? "audio" : "images";
            return new JsonObject { [key] = Files("temp", string.Empty, $"ComfyUI_temp_{suffix}", ext, count, seed) };
        }

        var slash = prefix.LastIndexOf('/');
        var subfolder = slash >= 0 ? prefix[..slash] : string.Empty;
        var stem = slash >= 0 ? prefix[(slash + 1)..] : prefix;
        switch (cls)
        {
            case "SaveImage":
                return new JsonObject { ["images"] = Files("output", subfolder, stem, ".png", count, seed) };
            case "SaveAnimatedWEBP":
                return new JsonObject { ["images"] = Files("output", subfolder, stem, ".webp", 1, seed), ["animated"] = new JsonArray(true) };
            case "SaveAnimatedPNG":
                return new JsonObject { ["images"] = Files("output", subfolder, stem, ".png", 1, seed), ["animated"] = new JsonArray(true) };
            case "SaveWEBM":
                return new JsonObject { ["images"] = Files("output", subfolder, stem, ".webm", 1, seed), ["animated"] = new JsonArray(true) };
            case "SaveAudio":
                return new JsonObject { ["audio"] = Files("output", subfolder, stem, ".flac", 1, seed) };
            default:
                if (cls.Contains("Video", StringComparison.OrdinalIgnoreCase))
                {
                    var gifs = Files("output", subfolder, stem, ".mp4", 1, seed);
                    foreach (var g in gifs.OfType<JsonObject>())
                    {
                        g["format"] = "video/h264-mp4";
                        g["frame_rate"] = 8.0;
                    }

                    return new JsonObject { ["gifs"] = gifs };
                }

                if (inputs["text"] is JsonValue text)
                {
                    return new JsonObject { ["text"] = new JsonArray(text.ToString()) };
                }

                return new JsonObject { ["images"] = Files("output", subfolder, stem, ".png", count, seed) };
        }
    }

    private JsonArray Files(string type, string subfolder, string stem, string ext, int count, byte[] seed)
    {
        var list = new JsonArray();
        for (var i = 0; i < count; i++)
        {
            int counter;
            lock (_gate)
            {
                var counterKey = $"{type}/{subfolder}/{stem}";
                counter = _counters.GetValueOrDefault(counterKey) + 1;
                _counters[counterKey] = counter;
            }

            var name = $"{stem}_{counter:00000}_{ext}";
            StoredFile stored;
            if (Faults.LargeOutputBytes is long huge)
            {
                stored = new StoredFile(null, huge, seed[0]);
            }
            else if (ext == ".png")
            {
                var bytes = LoopbackPng.Solid(8, 6, seed[0], seed[1], (byte)(seed[2] + i));
                stored = new StoredFile(bytes, bytes.LongLength);
            }
            else
            {
                var bytes = Encoding.ASCII.GetBytes($"loopback {ext} {Convert.ToHexStringLower(seed)} {i}");
                stored = new StoredFile(bytes, bytes.LongLength);
            }

            _files[Key(type, subfolder, name)] = stored;
            list.Add(new JsonObject { ["filename"] = name, ["subfolder"] = subfolder, ["type"] = type });
        }

        return list;
    }

    /// <summary>Per-prompt node states as newer servers report them in <c>progress_state</c> (pending nodes are never listed).</summary>
    private sealed class ProgressStates(string promptId)
    {
        private readonly JsonObject _nodes = [];

        public JsonObject Set(string nodeId, string state, double value, double max)
        {
            _nodes[nodeId] = new JsonObject
            {
                ["value"] = value,
                ["max"] = max,
                ["state"] = state,
                ["node_id"] = nodeId,
                ["prompt_id"] = promptId,
                ["display_node_id"] = nodeId,
                ["parent_node_id"] = null,
                ["real_node_id"] = nodeId,
            };
            return Snapshot();
        }

        public JsonObject Finish(string nodeId)
        {
            var max = _nodes[nodeId]?["max"]?.GetValue<double>() ?? 1;
            return Set(nodeId, "finished", max, max);
        }

        private JsonObject Snapshot() => new() { ["prompt_id"] = promptId, ["nodes"] = _nodes.DeepClone() };
    }
}
