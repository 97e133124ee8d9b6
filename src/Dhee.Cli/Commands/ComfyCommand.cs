using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dhee.Cli.Hosting;
using Dhee.Comfy;
using Dhee.Errors;

namespace Dhee.Cli.Commands;

/// <summary><c>dhee comfy ping|object-info|run|convert</c>: talk to a ComfyUI server directly.</summary>
internal static class ComfyCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    internal static Command Create()
    {
        var command = new Command("comfy", "Talk to a ComfyUI server: check it, read its nodes, run a workflow, convert editor workflows to API format.")
        {
            CreatePing(),
            CreateObjectInfo(),
            CreateRun(),
            CreateConvert(),
        };
        command.WithExamples(
            "dhee comfy ping http://127.0.0.1:8188",
            "dhee comfy run workflow.json --endpoint http://127.0.0.1:8188 --set prompt=\"a red fox\"",
            "dhee comfy convert ui.json --object-info http://127.0.0.1:8188 > api.json");
        return command;
    }

    private static (Option<string> Token, Option<string> ApiKey, Option<string[]> Headers) AuthOptions() => (
        new Option<string>("--token") { Description = "Bearer token (Authorization: Bearer …); default: $COMFYUI_TOKEN." },
        new Option<string>("--api-key") { Description = "API key sent as X-API-Key; default: $COMFYUI_API_KEY." },
        new Option<string[]>("--header") { Description = "Extra header 'Name: value' (repeatable).", AllowMultipleArgumentsPerToken = false });

    private static ComfyClient NewClient(CommandContext context, string url, (Option<string> Token, Option<string> ApiKey, Option<string[]> Headers) auth, TimeSpan? timeout = null)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            throw new DheeConfigurationException($"'{url}' is not an absolute address; use http://host:8188");
        }

        var options = new ComfyClientOptions
        {
            BaseUrl = uri,
            BearerToken = context.GetValue(auth.Token) ?? Environment.GetEnvironmentVariable("COMFYUI_TOKEN"),
            ApiKey = context.GetValue(auth.ApiKey) ?? Environment.GetEnvironmentVariable("COMFYUI_API_KEY"),
            TransientRetries = 2,
        };
        if (timeout is TimeSpan t)
        {
            options.OverallTimeout = t;
        }

        foreach (var header in context.GetValue(auth.Headers) ?? [])
        {
            var colon = header.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new DheeConfigurationException($"--header '{header}' is not 'Name: value'");
            }

            options.Headers[header[..colon].Trim()] = header[(colon + 1)..].Trim();
        }

        return new ComfyClient(new HttpClient { Timeout = Timeout.InfiniteTimeSpan }, options);
    }

    private static Command CreatePing()
    {
        var url = new Argument<string>("url") { Description = "The server address, e.g. http://127.0.0.1:8188." };
        var auth = AuthOptions();
        var ping = new Command("ping", "Check that a ComfyUI server answers; print its version and devices.") { url, auth.Token, auth.ApiKey, auth.Headers };
        ping.WithExamples("dhee comfy ping http://127.0.0.1:8188", "dhee comfy ping https://gpu.example/comfy --token $TOKEN --json");
        ping.SetHandler(async context =>
        {
            try
            {
                var client = NewClient(context, context.GetValue(url), auth);
                await using var clientScope = client.ConfigureAwait(false);
                var started = TimeProvider.System.GetTimestamp();
                var stats = await client.GetSystemStatsAsync(context.CancellationToken).ConfigureAwait(false);
                var elapsed = TimeProvider.System.GetElapsedTime(started);
                var version = stats["system"]?["comfyui_version"]?.ToString() ?? "unknown";
                var devices = (stats["devices"] as JsonArray ?? []).Select(d => $"{d?["name"]} ({d?["type"]}, {FormatBytes(d?["vram_free"])} free of {FormatBytes(d?["vram_total"])})").ToList();
                if (context.Json)
                {
                    context.WriteJson(new { ok = true, url = client.BaseAddress.ToString(), comfyuiVersion = version, latencyMs = Math.Round(elapsed.TotalMilliseconds, 1), devices });
                }
                else
                {
                    context.Out.WriteLine($"ComfyUI {version} at {client.BaseAddress} answered in {elapsed.TotalMilliseconds:0} ms");
                    foreach (var d in devices)
                    {
                        context.Out.WriteLine($"  device: {d}");
                    }
                }

                return ExitCodes.Ok;
            }
            catch (DheeException ex)
            {
                return context.Fail(ex.Message);
            }
        });
        return ping;
    }

    private static Command CreateObjectInfo()
    {
        var url = new Argument<string>("url") { Description = "The server address." };
        var cls = new Option<string>("--class") { Description = "Print only this node class." };
        var auth = AuthOptions();
        var command = new Command("object-info", "Print the server's node catalog (/object_info) as JSON.") { url, cls, auth.Token, auth.ApiKey, auth.Headers };
        command.WithExamples("dhee comfy object-info http://127.0.0.1:8188 > object_info.json", "dhee comfy object-info http://127.0.0.1:8188 --class KSampler");
        command.SetHandler(async context =>
        {
            try
            {
                var client = NewClient(context, context.GetValue(url), auth);
                await using var clientScope = client.ConfigureAwait(false);
                var info = await client.GetObjectInfoAsync(true, context.CancellationToken).ConfigureAwait(false);
                var only = context.GetValue(cls);
                if (only is not null)
                {
                    var def = info.GetClass(only);
                    if (def is null)
                    {
                        return context.Fail($"node class '{only}' is not installed on {client.BaseAddress}", "check the spelling (class names are case-sensitive) or install the node pack");
                    }

                    context.Out.WriteLine(new JsonObject { [only] = def.DeepClone() }.ToJsonString(Indented));
                }
                else
                {
                    context.Out.WriteLine(info.Raw.ToJsonString(Indented));
                }

                return ExitCodes.Ok;
            }
            catch (DheeException ex)
            {
                return context.Fail(ex.Message);
            }
        });
        return command;
    }

    private static Command CreateRun()
    {
        var workflowArg = new Argument<string>("workflow") { Description = "Workflow JSON (API format, or UI format converted with the server's /object_info)." };
        var endpoint = new Option<string>("--endpoint") { Description = "The server address, runpod://<endpoint id> (key from $RUNPOD_API_KEY), or an endpoint name (ENDPOINT_<NAME>, $DHEE_ENDPOINTS_FILE); default: $COMFYUI_BASE_URL." };
        var manifestOption = new Option<string>("--manifest") { Description = "A *.manifest.json mapping named inputs onto nodes." };
        var set = new Option<string[]>("--set") { Description = "A named input, name=value (repeatable): prompt, seed, or any manifest input." };
        var outDir = new Option<string>("--out") { Description = "Folder for the outputs; default: the current folder." };
        var timeout = new Option<int?>("--timeout") { Description = "Overall timeout in seconds (default 1800)." };
        var auth = AuthOptions();
        var run = new Command("run", "Run a workflow on a ComfyUI server and download its outputs.") { workflowArg, endpoint, manifestOption, set, outDir, timeout, auth.Token, auth.ApiKey, auth.Headers };
        run.WithExamples(
            "dhee comfy run tti.json --endpoint http://127.0.0.1:8188",
            "dhee comfy run tti.json --endpoint http://127.0.0.1:8188 --manifest tti.manifest.json --set prompt=\"a red fox\" --set seed=7 --out renders",
            "dhee comfy run tti.json --endpoint runpod://abc123xyz --out renders");
        run.SetHandler(async context =>
        {
            var url = context.GetValue(endpoint) ?? Environment.GetEnvironmentVariable("COMFYUI_BASE_URL");
            if (string.IsNullOrWhiteSpace(url))
            {
                return context.Fail("no server address", "pass --endpoint http://host:8188 or set COMFYUI_BASE_URL", ExitCodes.Usage);
            }

            var path = context.GetValue(workflowArg);
            JsonObject workflow;
            ComfyWorkflowManifest manifest;
            try
            {
                workflow = JsonNode.Parse(await File.ReadAllTextAsync(path, context.CancellationToken).ConfigureAwait(false)) as JsonObject
                    ?? throw new JsonException("the top level is not an object");
                var manifestPath = context.GetValue(manifestOption);
                manifest = manifestPath is null ? new ComfyWorkflowManifest() : ComfyWorkflowManifest.Parse(await File.ReadAllTextAsync(manifestPath, context.CancellationToken).ConfigureAwait(false), manifestPath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
            {
                return context.Fail($"cannot read {path}: {ex.Message}");
            }
            catch (DheeValidationException ex)
            {
                return context.Fail(ex.Message);
            }

            var values = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
            foreach (var pair in context.GetValue(set) ?? [])
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    return context.Fail($"--set '{pair}' is not name=value", null, ExitCodes.Usage);
                }

                var text = pair[(eq + 1)..];
                values[pair[..eq]] = long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? JsonValue.Create(n)
                    : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? JsonValue.Create(d) : JsonValue.Create(text);
            }

            try
            {
                var seconds = context.GetValue(timeout);
                var client = ComfyEndpointClients.IsEndpointReference(url)
                    ? ComfyEndpointClients.Create(url, seconds is int rs ? TimeSpan.FromSeconds(rs) : null)
                    : NewClient(context, url, auth, seconds is int s ? TimeSpan.FromSeconds(s) : null);
                await using var clientScope = client.ConfigureAwait(false);
                if (ComfyWorkflowConverter.IsUiFormat(workflow))
                {
                    var conversion = ComfyWorkflowConverter.Convert(workflow, await client.GetObjectInfoAsync(false, context.CancellationToken).ConfigureAwait(false));
                    foreach (var d in conversion.Diagnostics)
                    {
                        context.Error.WriteLine(d);
                    }

                    if (conversion.Errors.Count > 0)
                    {
                        return context.Fail($"{path} is a UI-format workflow that cannot be converted for {client.BaseAddress}", "export it with \"Export (API)\" in ComfyUI");
                    }

                    workflow = conversion.Prompt;
                }

                values.TryAdd(ComfyExecutor.FilenamePrefixInput, JsonValue.Create("dhee/cli"));
                var mappingError = ComfyExecutor.ApplyMappings(workflow, manifest, values, new HashSet<string>());
                if (mappingError is not null)
                {
                    return context.Fail(mappingError);
                }

                var progress = new InlineProgress<ComfyEvent>(e =>
                {
                    if (context.Json)
                    {
                        return;
                    }

                    var line = e switch
                    {
                        ComfyQueuedEvent q => $"queued (position {q.Position})",
                        ComfyExecutingEvent x => $"running node {x.NodeId}",
                        ComfyNodeProgressEvent p => $"  node {p.NodeId}: {p.Value}/{p.Max}",
                        ComfyCachedNodesEvent c when c.Nodes.Count > 0 => $"cached nodes: {string.Join(", ", c.Nodes)}",
                        Dhee.RunPod.RunPodJobEvent r => r.Describe(),
                        Dhee.RunPod.RunPodStreamEvent w when !w.TryGetProgress(out _, out _, out _) => "  worker: " + Truncate(w.Output.ToJsonString(), 200),
                        _ => null,
                    };
                    if (line is not null)
                    {
                        context.Error.WriteLine(line);
                    }
                });
                var submission = await client.SubmitAsync(workflow, new ComfySubmitOptions { Progress = progress }, context.CancellationToken).ConfigureAwait(false);
                var result = await client.WaitAsync(submission.PromptId, context.CancellationToken).ConfigureAwait(false);
                if (!result.IsSuccess)
                {
                    return context.Fail(result.Message ?? $"the prompt ended {result.Status}");
                }

                var folder = Path.GetFullPath(context.GetValue(outDir) ?? Directory.GetCurrentDirectory());
                var written = new List<string>();
                foreach (var file in result.PrimaryFiles)
                {
                    var target = Path.Combine(folder, Path.GetFileName(file.Filename));
                    await client.DownloadAsync(file, target, context.CancellationToken).ConfigureAwait(false);
                    written.Add(target);
                }

                if (context.Json)
                {
                    context.WriteJson(new { ok = true, promptId = result.PromptId, files = written, texts = result.Texts.Select(t => new { node = t.Key, text = t.Value }), cachedNodes = result.CachedNodes });
                }
                else
                {
                    foreach (var w in written)
                    {
                        context.Out.WriteLine(w);
                    }

                    foreach (var (node, text) in result.Texts)
                    {
                        context.Out.WriteLine($"text from node {node}: {text}");
                    }
                }

                return ExitCodes.Ok;
            }
            catch (ComfyValidationException ex)
            {
                if (context.Json)
                {
                    context.WriteJson(new { ok = false, error = new { type = ex.ErrorType, message = ex.ErrorMessage, details = ex.Details }, nodeErrors = ex.NodeErrors });
                    return ExitCodes.Failure;
                }

                return context.Fail(ex.Message, "fix each node listed above (install missing models or nodes, or change the values)");
            }
            catch (DheeException ex)
            {
                return context.Fail(ex.Message);
            }
        });
        return run;
    }

    private static Command CreateConvert()
    {
        var ui = new Argument<string>("ui-workflow") { Description = "A workflow saved by the ComfyUI editor (UI format)." };
        var objectInfo = new Option<string>("--object-info") { Description = "The target server's node catalog: a file saved from /object_info, or the server address.", Required = true };
        var auth = AuthOptions();
        var convert = new Command("convert", "Convert a UI-format workflow to API format (printed on stdout), driven by the server's /object_info.") { ui, objectInfo, auth.Token, auth.ApiKey, auth.Headers };
        convert.WithExamples("dhee comfy convert ui.json --object-info object_info.json > api.json", "dhee comfy convert ui.json --object-info http://127.0.0.1:8188");
        convert.SetHandler(async context =>
        {
            var path = context.GetValue(ui);
            var source = context.GetValue(objectInfo)!;
            try
            {
                var workflow = JsonNode.Parse(await File.ReadAllTextAsync(path, context.CancellationToken).ConfigureAwait(false)) as JsonObject
                    ?? throw new JsonException("the top level is not an object");
                if (!ComfyWorkflowConverter.IsUiFormat(workflow))
                {
                    return context.Fail($"{path} is not a UI-format workflow (no \"nodes\" and \"links\" arrays); it may already be in API format");
                }

                ComfyObjectInfo info;
                if (source.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || source.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
                {
                    var client = NewClient(context, source, auth);
                    await using var clientScope = client.ConfigureAwait(false);
                    info = await client.GetObjectInfoAsync(false, context.CancellationToken).ConfigureAwait(false);
                }
                else
                {
                    info = ComfyObjectInfo.Parse(await File.ReadAllTextAsync(source, context.CancellationToken).ConfigureAwait(false));
                }

                var result = ComfyWorkflowConverter.Convert(workflow, info);
                foreach (var d in result.Diagnostics)
                {
                    context.Error.WriteLine(d);
                }

                context.Out.WriteLine(result.Prompt.ToJsonString(Indented));
                return result.Errors.Count > 0 ? ExitCodes.Failure : ExitCodes.Ok;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
            {
                return context.Fail($"cannot read the workflow or catalog: {ex.Message}");
            }
            catch (DheeException ex)
            {
                return context.Fail(ex.Message);
            }
        });
        return convert;
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    private static string FormatBytes(JsonNode? value)
        => value is JsonValue v && double.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var b) ? $"{b / (1L << 30):0.0} GiB" : "?";
}
