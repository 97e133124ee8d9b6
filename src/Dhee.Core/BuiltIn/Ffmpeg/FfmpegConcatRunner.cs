using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Dhee.Runners;

namespace Dhee.BuiltIn.Ffmpeg;

/// <summary>
/// <c>ffmpeg.concat</c>: joins the clips of the node's inputs, in order, into one video. Clips that share one format are
/// joined without re-encoding; otherwise (or with a crossfade or soundtrack) every clip is scaled, padded and re-encoded
/// to one format. An optional soundtrack input replaces or is mixed with the clips' audio.
/// </summary>
internal sealed class FfmpegConcatRunner : FfmpegRunner
{
    /// <summary>The tool id.</summary>
    public const string Tool = "ffmpeg.concat";

    private static readonly string[] Transitions =
        ["fade", "dissolve", "fadeblack", "fadewhite", "wipeleft", "wiperight", "wipeup", "wipedown", "slideleft", "slideright", "circleopen", "circleclose", "pixelize"];

    /// <summary>Initializes a new instance of the <see cref="FfmpegConcatRunner"/> class.</summary>
    /// <param name="options">Where ffmpeg is and how to encode.</param>
    public FfmpegConcatRunner(FfmpegOptions? options = null)
        : base(options)
    {
    }

    /// <summary>Gets the runner's registration record.</summary>
    public static RunnerManifest Manifest { get; } = CreateManifest(Tool, "Concatenate clips (ffmpeg)", "Joins upstream clips in order, with optional crossfades and soundtrack.");

    /// <inheritdoc/>
    protected override RunnerManifest RunnerManifest => Manifest;

    /// <inheritdoc/>
    public override RunnerDescription Describe()
    {
        var properties = new JsonObject();
        properties["crossfade"] = new JsonObject
        {
            ["type"] = "number",
            ["minimum"] = 0,
            ["description"] = "Seconds of crossfade between consecutive clips (0 = hard cuts). Must be shorter than every clip.",
            ["default"] = 0,
        };
        properties["transition"] = new JsonObject
        {
            ["type"] = "string",
            ["enum"] = new JsonArray([.. Transitions.Select(t => (JsonNode)t)]),
            ["description"] = "The xfade transition used when crossfade > 0.",
            ["default"] = "fade",
        };
        properties["audioInput"] = new JsonObject
        {
            ["type"] = "string",
            ["description"] = "The node input (upstream node or bundle input id) holding a soundtrack; it is not treated as a clip.",
        };
        properties["audioMode"] = new JsonObject
        {
            ["type"] = "string",
            ["enum"] = new JsonArray("replace", "mix"),
            ["description"] = "replace: the soundtrack replaces the clips' audio; mix: it is mixed under it.",
            ["default"] = "replace",
        };
        properties["width"] = new JsonObject { ["type"] = "integer", ["minimum"] = 16, ["maximum"] = 8192, ["description"] = "Output width when re-encoding (default: the first clip's)." };
        properties["height"] = new JsonObject { ["type"] = "integer", ["minimum"] = 16, ["maximum"] = 8192, ["description"] = "Output height when re-encoding (default: the first clip's)." };
        properties["fps"] = new JsonObject { ["type"] = "number", ["exclusiveMinimum"] = 0, ["maximum"] = 240, ["description"] = "Output frame rate when re-encoding (default: the first clip's)." };
        properties["reencode"] = new JsonObject
        {
            ["type"] = "string",
            ["enum"] = new JsonArray("auto", "always"),
            ["description"] = "auto: copy streams when every clip has the same format; always: re-encode.",
            ["default"] = "auto",
        };

        return CreateDescription(
            "Joins the clips of the node's inputs in declared order (lists in order, collections in item order) into one video, re-encoding when formats differ; optional crossfades and a soundtrack input.",
            ["video-concat", "crossfade", "audio-mux"],
            [Modality.Video, Modality.Audio],
            properties);
    }

    /// <inheritdoc/>
    protected override async ValueTask<RunnerResult> RunCoreAsync(RunnerContext context, FfmpegTools tools)
    {
        var config = context.Config;
        var crossfade = ConfigReader.GetDouble(config, "crossfade") ?? 0;
        var transition = ConfigReader.GetEnum(config, "transition", Transitions) ?? "fade";
        var audioInput = ConfigReader.GetString(config, "audioInput");
        var audioMode = ConfigReader.GetEnum(config, "audioMode", "replace", "mix") ?? "replace";
        var reencode = ConfigReader.GetEnum(config, "reencode", "auto", "always") ?? "auto";
        var forceRerun = ConfigReader.GetBool(config, "forceRerun") ?? false;
        var node = $"node '{context.Node.Id}' ({Tool})";

        var (files, allInfos, failure) = await PrepareInputsAsync(context, tools, audioInput).ConfigureAwait(false);
        if (failure is not null)
        {
            return failure;
        }

        var clips = files.Where(f => f.InputName != audioInput).ToList();
        var soundtrack = files.Where(f => f.InputName == audioInput).ToList();
        if (clips.Count == 0)
        {
            return RunnerResult.Failure($"{node}: there are no clips to join; connect the upstream clip node(s) as inputs");
        }

        if (soundtrack.Count > 1)
        {
            return RunnerResult.Failure($"{node}: audioInput '{audioInput}' holds {soundtrack.Count} files; it must be a single audio file");
        }

        var clipInfos = files.Select((f, i) => (f, i)).Where(p => p.f.InputName != audioInput).Select(p => allInfos[p.i]).ToList();
        var soundtrackInfo = soundtrack.Count == 1 ? allInfos[files.IndexOf(soundtrack[0])] : null;
        for (var i = 0; i < clips.Count; i++)
        {
            if (clipInfos[i].Video is null || clipInfos[i].DurationSeconds is not > 0)
            {
                return RunnerResult.Failure($"{node}: {clips[i].Describe()} is not a video clip (no video stream or no duration); concat joins video clips");
            }

            if (crossfade > 0 && clipInfos[i].DurationSeconds <= crossfade)
            {
                return RunnerResult.Failure($"{node}: crossfade {Num(crossfade)}s is not shorter than {clips[i].Describe()} ({Num(clipInfos[i].DurationSeconds!.Value)}s); lower crossfade");
            }
        }

        if (soundtrackInfo is { Audio: null })
        {
            return RunnerResult.Failure($"{node}: {soundtrack[0].Describe()} (audioInput) has no audio stream");
        }

        var first = clipInfos[0].Video!;
        var width = Even(ConfigReader.GetInt(config, "width") ?? first.Width);
        var height = Even(ConfigReader.GetInt(config, "height") ?? first.Height);
        var fps = ConfigReader.GetDouble(config, "fps") ?? ParseRate(first.FrameRate) ?? 25;
        var sizeForced = config.ContainsKey("width") || config.ContainsKey("height") || config.ContainsKey("fps");
        var canCopy = reencode == "auto" && crossfade == 0 && soundtrackInfo is null && !sizeForced && SameFormat(clipInfos);
        var total = clipInfos.Sum(i => i.DurationSeconds!.Value) - (crossfade * (clips.Count - 1));

        var settings = new JsonObject
        {
            ["crossfade"] = crossfade,
            ["transition"] = transition,
            ["audioMode"] = soundtrackInfo is null ? null : audioMode,
            ["width"] = width,
            ["height"] = height,
            ["fps"] = fps,
            ["mode"] = canCopy ? "copy" : "reencode",
        };
        var key = CacheKey(context, [.. clips, .. soundtrack], settings);

        return await CachedFileOutput.RunAsync(context, key, forceRerun, async (temp, metadata, cancellationToken) =>
        {
            metadata["mode"] = canCopy ? "copy" : "reencode";
            metadata["clips"] = clips.Count;
            metadata["durationSeconds"] = Math.Round(total, 3);
            if (canCopy)
            {
                return await CopyConcatAsync(context, tools, clips, total, temp).ConfigureAwait(false);
            }

            var arguments = ReencodeArguments(clips, clipInfos, soundtrack.Count == 1 ? soundtrack[0] : null, audioMode, crossfade, transition, width, height, fps, total, temp);
            return await RunFfmpegAsync(context, tools, arguments, total).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    private static bool SameFormat(List<MediaInfo> infos)
    {
        static string Signature(MediaInfo i) => string.Join(
            '|',
            i.Video!.Codec,
            i.Video.Width,
            i.Video.Height,
            i.Video.PixelFormat,
            i.Video.FrameRate,
            i.Audio?.Codec,
            i.Audio?.SampleRate,
            i.Audio?.Channels);

        var first = Signature(infos[0]);
        return infos.All(i => Signature(i) == first);
    }

    private async Task<RunnerError?> CopyConcatAsync(RunnerContext context, FfmpegTools tools, List<FfmpegInputFile> clips, double total, string temp)
    {
        // The concat demuxer reads paths from a list file whose quoting breaks on quotes and odd characters (the original's
        // BUG-015). Stage every clip under a plain generated name in a private folder and list only those names.
        var staging = Directory.CreateTempSubdirectory("dhee-concat-");
        try
        {
            var list = new StringBuilder();
            for (var i = 0; i < clips.Count; i++)
            {
                var name = string.Create(CultureInfo.InvariantCulture, $"clip{i:D4}{Path.GetExtension(clips[i].Path).ToLowerInvariant()}");
                var staged = Path.Combine(staging.FullName, name);
                try
                {
                    File.CreateSymbolicLink(staged, clips[i].Path);
                }
                catch (IOException)
                {
                    File.Copy(clips[i].Path, staged);
                }
                catch (UnauthorizedAccessException)
                {
                    File.Copy(clips[i].Path, staged);
                }

                list.Append("file '").Append(name).Append("'\n");
            }

            var listPath = Path.Combine(staging.FullName, "list.txt");
            await File.WriteAllTextAsync(listPath, list.ToString(), context.CancellationToken).ConfigureAwait(false);
            string[] arguments = ["-f", "concat", "-safe", "0", "-i", listPath, "-map", "0", "-c", "copy", "-movflags", "+faststart", temp];
            return await RunFfmpegAsync(context, tools, arguments, total).ConfigureAwait(false);
        }
        finally
        {
            try
            {
                staging.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private List<string> ReencodeArguments(
        List<FfmpegInputFile> clips,
        List<MediaInfo> infos,
        FfmpegInputFile? soundtrack,
        string audioMode,
        double crossfade,
        string transition,
        int width,
        int height,
        double fps,
        double total,
        string temp)
    {
        var arguments = new List<string>();
        foreach (var clip in clips)
        {
            arguments.AddRange(["-i", clip.Path]);
        }

        var clipsHaveAudio = infos.Any(i => i.Audio is not null);
        var includeClipAudio = clipsHaveAudio && (soundtrack is null || audioMode == "mix");
        var nextInput = clips.Count;
        var silenceInputs = new Dictionary<int, int>();
        if (includeClipAudio)
        {
            for (var i = 0; i < clips.Count; i++)
            {
                if (infos[i].Audio is null)
                {
                    arguments.AddRange(["-f", "lavfi", "-t", Num(infos[i].DurationSeconds!.Value), "-i", "anullsrc=r=48000:cl=stereo"]);
                    silenceInputs[i] = nextInput++;
                }
            }
        }

        var soundtrackInput = -1;
        if (soundtrack is not null)
        {
            arguments.AddRange(["-i", soundtrack.Path]);
            soundtrackInput = nextInput++;
        }

        var graph = new StringBuilder();
        for (var i = 0; i < clips.Count; i++)
        {
            graph.Append(CultureInfo.InvariantCulture, $"[{i}:v]scale={width}:{height}:force_original_aspect_ratio=decrease,pad={width}:{height}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps={Num(fps)},format=yuv420p,settb=AVTB[v{i}];");
            if (includeClipAudio)
            {
                var source = silenceInputs.TryGetValue(i, out var silent) ? $"{silent}:a" : $"{i}:a";
                graph.Append(CultureInfo.InvariantCulture, $"[{source}]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,asetpts=PTS-STARTPTS[a{i}];");
            }
        }

        string videoOut;
        string? audioOut = null;
        if (crossfade > 0 && clips.Count > 1)
        {
            var current = "v0";
            var currentAudio = "a0";
            var length = infos[0].DurationSeconds!.Value;
            for (var i = 1; i < clips.Count; i++)
            {
                var offset = length - crossfade;
                graph.Append(CultureInfo.InvariantCulture, $"[{current}][v{i}]xfade=transition={transition}:duration={Num(crossfade)}:offset={Num(offset)}[vx{i}];");
                current = $"vx{i}";
                if (includeClipAudio)
                {
                    graph.Append(CultureInfo.InvariantCulture, $"[{currentAudio}][a{i}]acrossfade=d={Num(crossfade)}[ax{i}];");
                    currentAudio = $"ax{i}";
                }

                length += infos[i].DurationSeconds!.Value - crossfade;
            }

            videoOut = current;
            audioOut = includeClipAudio ? currentAudio : null;
        }
        else
        {
            for (var i = 0; i < clips.Count; i++)
            {
                graph.Append(CultureInfo.InvariantCulture, $"[v{i}]");
                if (includeClipAudio)
                {
                    graph.Append(CultureInfo.InvariantCulture, $"[a{i}]");
                }
            }

            graph.Append(CultureInfo.InvariantCulture, $"concat=n={clips.Count}:v=1:a={(includeClipAudio ? 1 : 0)}[vcat]");
            graph.Append(includeClipAudio ? "[acat];" : ";");
            videoOut = "vcat";
            audioOut = includeClipAudio ? "acat" : null;
        }

        if (soundtrackInput >= 0)
        {
            graph.Append(CultureInfo.InvariantCulture, $"[{soundtrackInput}:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,apad[track];");
            if (audioOut is not null)
            {
                graph.Append(CultureInfo.InvariantCulture, $"[{audioOut}][track]amix=inputs=2:duration=first:dropout_transition=0[amixed];");
                audioOut = "amixed";
            }
            else
            {
                audioOut = "track";
            }
        }

        arguments.AddRange(["-filter_complex", graph.ToString().TrimEnd(';'), "-map", $"[{videoOut}]"]);
        if (audioOut is not null)
        {
            arguments.AddRange(["-map", $"[{audioOut}]"]);
            arguments.AddRange(AudioEncodeArguments());
        }

        arguments.AddRange(VideoEncodeArguments());
        arguments.AddRange(["-t", Num(total), "-movflags", "+faststart", temp]);
        return arguments;
    }

    private static double? ParseRate(string? rate)
    {
        if (rate is null)
        {
            return null;
        }

        var parts = rate.Split('/');
        if (parts.Length == 2
            && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var n)
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d > 0 && n > 0)
        {
            return n / d;
        }

        return double.TryParse(rate, NumberStyles.Float, CultureInfo.InvariantCulture, out var plain) && plain > 0 ? plain : null;
    }
}
