using System.Globalization;
using System.Text.Json.Nodes;
using Dhee.Caching;
using Dhee.Inputs;
using Dhee.Runners;

namespace Dhee.BuiltIn.Ffmpeg;

/// <summary>
/// The shared plumbing of the <c>ffmpeg.*</c> runners: locating the binaries, gathering and checking input files,
/// probing them, running ffmpeg with progress, and the cached, atomic output protocol.
/// </summary>
internal abstract class FfmpegRunner : IRunner
{
    /// <summary>Initializes a new instance of the <see cref="FfmpegRunner"/> class.</summary>
    /// <param name="options">Where ffmpeg is and how to encode; null for the defaults.</param>
    protected FfmpegRunner(FfmpegOptions? options)
    {
        Options = options ?? new FfmpegOptions();
    }

    /// <summary>Gets the ffmpeg options.</summary>
    protected FfmpegOptions Options { get; }

    /// <summary>Gets the runner's registration record.</summary>
    protected abstract RunnerManifest RunnerManifest { get; }

    /// <inheritdoc/>
    public abstract RunnerDescription Describe();

    /// <inheritdoc/>
    public async ValueTask<RunnerResult> RunAsync(RunnerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!FfmpegTools.TryLocate(Options, out var tools, out var error))
        {
            return RunnerResult.Failure($"node '{context.Node.Id}' ({context.Tool}): {error}");
        }

        return await RunCoreAsync(context, tools).ConfigureAwait(false);
    }

    /// <summary>Runs the node once ffmpeg is located.</summary>
    /// <param name="context">The runner context.</param>
    /// <param name="tools">The executables.</param>
    /// <returns>The result.</returns>
    protected abstract ValueTask<RunnerResult> RunCoreAsync(RunnerContext context, FfmpegTools tools);

    /// <summary>Creates the manifest of an ffmpeg runner (it starts processes and reads the ffmpeg path variables).</summary>
    /// <param name="tool">The tool id.</param>
    /// <param name="displayName">The name shown to people.</param>
    /// <param name="description">A short description.</param>
    /// <returns>The manifest.</returns>
    protected static RunnerManifest CreateManifest(string tool, string displayName, string description)
        => BuiltInManifests.Create(tool, displayName, description, new RunnerPermissions { Subprocess = true, Environment = [FfmpegTools.FfmpegEnvironmentVariable, FfmpegTools.FfprobeEnvironmentVariable] });

    /// <summary>Creates the description of an ffmpeg runner from its manifest, with a closed config schema.</summary>
    /// <param name="description">What the runner does.</param>
    /// <param name="capabilities">Capability tags.</param>
    /// <param name="inputs">The media it reads.</param>
    /// <param name="properties">The config properties besides <c>forceRerun</c>.</param>
    /// <returns>The description.</returns>
    protected RunnerDescription CreateDescription(string description, IReadOnlyList<string> capabilities, IReadOnlyList<Modality> inputs, JsonObject properties)
    {
        properties["forceRerun"] = new JsonObject
        {
            ["type"] = "boolean",
            ["description"] = "Render again even when a cached or existing output is available.",
            ["default"] = false,
        };
        return new RunnerDescription
        {
            Id = RunnerManifest.Tool,
            DisplayName = RunnerManifest.DisplayName ?? RunnerManifest.Tool,
            Description = description,
            Capabilities = capabilities,
            InputModalities = inputs,
            OutputModalities = [Modality.Video],
            CostHint = CostHint.Free,
            ConfigSchema = new JsonObject
            {
                ["type"] = "object",
                ["additionalProperties"] = false,
                ["properties"] = properties,
            },
        };
    }

    /// <summary>
    /// Checks that the inputs named in config exist, gathers every input file, checks they exist and probes them.
    /// </summary>
    /// <param name="context">The runner context.</param>
    /// <param name="tools">The executables.</param>
    /// <param name="namedInputs">Input names taken from config (null entries are ignored).</param>
    /// <returns>The files and their probes, or a failure.</returns>
    protected static async Task<(List<FfmpegInputFile> Files, List<MediaInfo> Infos, RunnerResult? Failure)> PrepareInputsAsync(RunnerContext context, FfmpegTools tools, params string?[] namedInputs)
    {
        foreach (var named in namedInputs)
        {
            if (named is not null && !context.Inputs.ContainsKey(named))
            {
                return ([], [], RunnerResult.Failure($"node '{context.Node.Id}' ({context.Tool}): config names input '{named}', but the node has no such input; inputs: {string.Join(", ", context.Inputs.Keys)}"));
            }
        }

        if (!TryCollectFiles(context, out var files, out var collectError))
        {
            return ([], [], RunnerResult.Failure(collectError!));
        }

        var (infos, probeError) = await ProbeAllAsync(context, tools, files).ConfigureAwait(false);
        return probeError is null ? (files, infos, null) : ([], [], RunnerResult.Failure(probeError));
    }

    /// <summary>Gathers the media files of the node's inputs in declared order: files, lists in order, maps in item order.</summary>
    /// <param name="context">The runner context.</param>
    /// <param name="files">The files found.</param>
    /// <param name="error">Why an input cannot be used, or null.</param>
    /// <returns>True when every input was a file (or a list/map of files) that exists.</returns>
    protected static bool TryCollectFiles(RunnerContext context, out List<FfmpegInputFile> files, out string? error)
    {
        files = [];
        error = null;
        foreach (var name in DeclaredInputs.Names(context))
        {
            if (!Flatten(context, name, null, context.Inputs[name], files, out error))
            {
                return false;
            }
        }

        foreach (var file in files)
        {
            if (!File.Exists(file.Path))
            {
                error = $"node '{context.Node.Id}' ({context.Tool}): {file.Describe()} does not exist; run the upstream node again or fix its output path";
                return false;
            }
        }

        return true;
    }

    /// <summary>Probes every file, failing on the first one ffprobe cannot read.</summary>
    /// <param name="context">The runner context.</param>
    /// <param name="tools">The executables.</param>
    /// <param name="files">The files.</param>
    /// <returns>The probes in the same order, or an error.</returns>
    protected static async Task<(List<MediaInfo> Infos, string? Error)> ProbeAllAsync(RunnerContext context, FfmpegTools tools, IReadOnlyList<FfmpegInputFile> files)
    {
        var infos = new List<MediaInfo>(files.Count);
        foreach (var file in files)
        {
            var (info, error) = await MediaProbe.ProbeAsync(tools.Ffprobe, file.Path, context.CancellationToken).ConfigureAwait(false);
            if (info is null)
            {
                return ([], $"node '{context.Node.Id}' ({context.Tool}): {file.Describe()}: {error}");
            }

            infos.Add(info);
        }

        return (infos, null);
    }

    /// <summary>Builds the cache key: the tool, its version, the config, the input order and every input file by content.</summary>
    /// <param name="context">The runner context.</param>
    /// <param name="files">The input files.</param>
    /// <param name="settings">The effective settings (defaults applied) that shape the output.</param>
    /// <returns>The key.</returns>
    protected InputsHashKey CacheKey(RunnerContext context, IReadOnlyList<FfmpegInputFile> files, JsonObject settings)
    {
        var fileMap = new Dictionary<string, string>(StringComparer.Ordinal);
        var order = new JsonArray();
        for (var i = 0; i < files.Count; i++)
        {
            var key = string.Create(CultureInfo.InvariantCulture, $"file{i:D4}");
            fileMap[key] = files[i].Path;
            order.Add(new JsonObject { ["input"] = files[i].InputName, ["item"] = files[i].ItemId, ["file"] = key });
        }

        settings["videoCodec"] = Options.VideoCodec;
        settings["preset"] = Options.Preset;
        settings["audioCodec"] = Options.AudioCodec;
        settings["outputExtension"] = Path.GetExtension(context.OutputPath).ToLowerInvariant();
        return new InputsHashKey
        {
            Tool = RunnerManifest.Tool,
            ToolVersion = RunnerManifest.Version,
            Inputs = order,
            Config = settings,
            Files = fileMap,
        };
    }

    /// <summary>Runs ffmpeg, reporting progress to the context, and turns a non-zero exit into an error naming the node.</summary>
    /// <param name="context">The runner context.</param>
    /// <param name="tools">The executables.</param>
    /// <param name="arguments">The ffmpeg arguments (the output path last).</param>
    /// <param name="expectedSeconds">The expected output duration, for progress.</param>
    /// <returns>Null on success, or the error.</returns>
    protected static async ValueTask<RunnerError?> RunFfmpegAsync(RunnerContext context, FfmpegTools tools, IReadOnlyList<string> arguments, double? expectedSeconds)
    {
        var result = await FfmpegProcess.RunFfmpegAsync(
            tools.Ffmpeg,
            arguments,
            expectedSeconds,
            (fraction, message) => context.ReportProgress(fraction, message),
            context.CancellationToken).ConfigureAwait(false);
        if (result.ExitCode == 0)
        {
            return null;
        }

        var detail = result.ErrorTail.Length == 0 ? "no error output" : result.ErrorTail;
        return new RunnerError($"node '{context.Node.Id}' ({context.Tool}): ffmpeg failed with exit code {result.ExitCode}: {detail}", Code: "ffmpeg.failed");
    }

    /// <summary>The video encoder arguments from the options.</summary>
    /// <returns>The arguments.</returns>
    protected IEnumerable<string> VideoEncodeArguments()
    {
        yield return "-c:v";
        yield return Options.VideoCodec;
        if (!string.IsNullOrWhiteSpace(Options.Preset))
        {
            yield return "-preset";
            yield return Options.Preset;
        }

        yield return "-pix_fmt";
        yield return "yuv420p";
    }

    /// <summary>The audio encoder arguments from the options.</summary>
    /// <returns>The arguments.</returns>
    protected IEnumerable<string> AudioEncodeArguments()
    {
        yield return "-c:a";
        yield return Options.AudioCodec;
        yield return "-b:a";
        yield return "160k";
    }

    /// <summary>Rounds a frame dimension up to even, as yuv420p encoders require.</summary>
    /// <param name="value">The dimension.</param>
    /// <returns>The even dimension.</returns>
    protected static int Even(int value) => value % 2 == 0 ? value : value + 1;

    /// <summary>Formats a number for a filter graph or argument (invariant culture, no exponent).</summary>
    /// <param name="value">The number.</param>
    /// <returns>The text.</returns>
    protected static string Num(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    private static bool Flatten(RunnerContext context, string name, string? itemId, InputValue value, List<FfmpegInputFile> files, out string? error)
    {
        error = null;
        switch (value)
        {
            case FileInputValue file:
                files.Add(new FfmpegInputFile(name, itemId ?? file.ItemId, file.Path));
                return true;
            case ListInputValue list:
                foreach (var item in list.Items)
                {
                    if (!Flatten(context, name, item.ItemId, item, files, out error))
                    {
                        return false;
                    }
                }

                return true;
            case MapInputValue map:
                foreach (var (key, item) in map.Entries)
                {
                    if (!Flatten(context, name, key, item, files, out error))
                    {
                        return false;
                    }
                }

                return true;
            default:
                var text = value.ToJson() is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
                if (text is not null && Path.IsPathFullyQualified(text))
                {
                    files.Add(new FfmpegInputFile(name, itemId ?? value.ItemId, text));
                    return true;
                }

                error = $"node '{context.Node.Id}' ({context.Tool}): input '{name}'{(itemId is null ? string.Empty : $" item '{itemId}'")} is {value.Kind.ToString().ToLowerInvariant()}, not a media file; connect an upstream node that writes an image, audio or video file";
                return false;
        }
    }
}
