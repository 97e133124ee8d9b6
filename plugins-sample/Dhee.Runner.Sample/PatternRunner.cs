using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Dhee.Caching;
using Dhee.Runners;

namespace Dhee.Runner.Sample;

/// <summary>
/// <c>sample.pattern</c>: writes a deterministic procedural PNG (stripes, checker, rings or plasma) derived from the
/// prompt text and the node's config. Same inputs, same image; no network, no GPU.
/// </summary>
/// <remarks>
/// Config: <c>prompt</c> (text; defaults to the node's inputs), <c>width</c>/<c>height</c> (8–2048, default 256),
/// <c>style</c> (<c>stripes</c>, <c>checker</c>, <c>rings</c>, <c>plasma</c>; default picked by the seed),
/// <c>seed</c> (integer; default derived from the text) and <c>palette</c> (2–8 <c>#rrggbb</c> colours).
/// </remarks>
public sealed class PatternRunner : IRunner
{
    /// <summary>The tool id.</summary>
    public const string Tool = "sample.pattern";

    private const int MaxSide = 2048;
    private static readonly string[] Styles = ["stripes", "checker", "rings", "plasma"];
    private static readonly string Version = typeof(PatternRunner).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    private static readonly RunnerDescription Description = new()
    {
        Id = Tool,
        DisplayName = "Procedural pattern (PNG)",
        Description = "Writes a deterministic PNG pattern derived from the prompt text and config. Useful for placeholders, thumbnails and pipeline tests.",
        Capabilities = ["text-to-image", "deterministic"],
        InputModalities = [Modality.Text],
        OutputModalities = [Modality.Image],
        ConfigSchema = new JsonObject
        {
            ["type"] = "object",
            ["additionalProperties"] = false,
            ["properties"] = new JsonObject
            {
                ["prompt"] = new JsonObject { ["type"] = "string" },
                ["width"] = new JsonObject { ["type"] = "integer", ["minimum"] = 8, ["maximum"] = MaxSide },
                ["height"] = new JsonObject { ["type"] = "integer", ["minimum"] = 8, ["maximum"] = MaxSide },
                ["style"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray([.. Styles.Select(s => (JsonNode)s)]) },
                ["seed"] = new JsonObject { ["type"] = "integer" },
                ["palette"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" }, ["minItems"] = 2, ["maxItems"] = 8 },
            },
        },
    };

    /// <inheritdoc/>
    public RunnerDescription Describe() => Description;

    /// <inheritdoc/>
    public async ValueTask<RunnerResult> RunAsync(RunnerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var token = context.CancellationToken;
        if (!PatternSpec.TryRead(context, out var spec, out var error))
        {
            return RunnerResult.Failure($"node '{context.Node.Id}' ({Tool}): {error}");
        }

        string target;
        try
        {
            target = context.OutputFullPath;
        }
        catch (ArgumentException ex)
        {
            return RunnerResult.Failure($"node '{context.Node.Id}' ({Tool}): the output path '{context.OutputPath}' cannot be used: {ex.Message}");
        }

        var cache = context.Cache is { IsEnabled: true } c ? c : null;
        string? hash = null;
        if (cache is not null)
        {
            // Every input that changes the pixels is in the key: the inputs, the whole config and the resolved seed.
            hash = await cache.ComputeHashAsync(new InputsHashKey { Tool = Tool, ToolVersion = Version, Inputs = context.Inputs.ToJson(), Config = context.Config.DeepClone(), Seed = spec.Seed }, token).ConfigureAwait(false);
            var hit = await cache.TryGetAsync(hash, token).ConfigureAwait(false);
            if (hit is not null)
            {
                await cache.RestoreAsync(hit, target, token).ConfigureAwait(false);
                return RunnerResult.Success(context.OutputPath, Metadata(spec, hash, cached: true));
            }
        }
        else if (File.Exists(target))
        {
            return RunnerResult.Success(context.OutputPath, Metadata(spec, null, cached: false, skipped: true));
        }

        context.ReportProgress(0, "rendering");
        var pixels = PatternRenderer.Render(spec, token);
        var png = PngWriter.Encode(spec.Width, spec.Height, pixels);
        await WriteAtomicallyAsync(target, png, token).ConfigureAwait(false);
        context.ReportProgress(1, "written");

        if (cache is not null && hash is not null)
        {
            await cache.PutAsync(hash, target, Metadata(spec, hash, cached: false), token).ConfigureAwait(false);
        }

        return RunnerResult.Success(context.OutputPath, Metadata(spec, hash, cached: false));
    }

    private static JsonObject Metadata(PatternSpec spec, string? hash, bool cached, bool skipped = false)
    {
        var metadata = new JsonObject
        {
            [RunnerMetadataKeys.Cached] = cached,
            ["style"] = spec.Style,
            ["seed"] = spec.Seed,
            ["width"] = spec.Width,
            ["height"] = spec.Height,
        };
        if (hash is not null)
        {
            metadata[RunnerMetadataKeys.InputsHash] = hash;
        }

        if (skipped)
        {
            metadata["skipped"] = "output exists and no cache is configured";
        }

        return metadata;
    }

    private static async Task WriteAtomicallyAsync(string path, byte[] bytes, CancellationToken token)
    {
        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await File.WriteAllBytesAsync(temp, bytes, token).ConfigureAwait(false);
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    internal sealed record PatternSpec(string Text, int Width, int Height, string Style, long Seed, IReadOnlyList<(byte R, byte G, byte B)> Palette)
    {
        public static bool TryRead(RunnerContext context, out PatternSpec spec, out string error)
        {
            spec = null!;
            var config = context.Config;
            // The prompt, else the collection item (so every item draws its own pattern), else all inputs.
            var text = config["prompt"] is JsonValue p && p.TryGetValue<string>(out var prompt) ? prompt : context.Item?.ToJsonString() ?? context.Inputs.ToJson().ToJsonString();
            if (!TryInt(config, "width", 256, out var width, out error) || !TryInt(config, "height", 256, out var height, out error))
            {
                return false;
            }

            long seed;
            if (config["seed"] is null)
            {
                seed = BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes(text)), 0) & long.MaxValue;
            }
            else if (!(config["seed"] is JsonValue s && s.TryGetValue(out seed)))
            {
                error = "config 'seed' must be an integer";
                return false;
            }

            var rng = new SplitMix64((ulong)seed);
            var style = config["style"] is JsonValue st && st.TryGetValue<string>(out var named) ? named : Styles[(int)(rng.Next() % (ulong)Styles.Length)];
            if (!Styles.Contains(style, StringComparer.Ordinal))
            {
                error = $"config 'style' is '{style}'; use one of {string.Join(", ", Styles)}";
                return false;
            }

            var palette = new List<(byte, byte, byte)>();
            if (config["palette"] is JsonArray colours)
            {
                foreach (var colour in colours)
                {
                    if (colour is not JsonValue v || !v.TryGetValue<string>(out var hex) || !TryHex(hex, out var rgb))
                    {
                        error = $"config 'palette' item '{colour?.ToJsonString()}' is not a '#rrggbb' colour";
                        return false;
                    }

                    palette.Add(rgb);
                }

                if (palette.Count is < 2 or > 8)
                {
                    error = $"config 'palette' has {palette.Count} colours; give 2 to 8";
                    return false;
                }
            }
            else
            {
                for (var i = 0; i < 4; i++)
                {
                    var value = rng.Next();
                    palette.Add(((byte)value, (byte)(value >> 8), (byte)(value >> 16)));
                }
            }

            spec = new PatternSpec(text, width, height, style, seed, palette);
            error = string.Empty;
            return true;
        }

        private static bool TryInt(JsonObject config, string name, int fallback, out int value, out string error)
        {
            error = string.Empty;
            value = fallback;
            if (config[name] is null)
            {
                return true;
            }

            if (config[name] is JsonValue v && v.TryGetValue(out value) && value is >= 8 and <= MaxSide)
            {
                return true;
            }

            error = $"config '{name}' must be an integer from 8 to {MaxSide}";
            return false;
        }

        private static bool TryHex(string hex, out (byte, byte, byte) rgb)
        {
            rgb = default;
            if (hex.Length != 7 || hex[0] != '#' || !uint.TryParse(hex.AsSpan(1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value))
            {
                return false;
            }

            rgb = ((byte)(value >> 16), (byte)(value >> 8), (byte)value);
            return true;
        }
    }
}
