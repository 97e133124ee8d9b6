using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dhee.Inputs;
using Dhee.Runners;

namespace Dhee.Comfy.Runners;

/// <summary>Shared reading of a Comfy node's config and inputs into an executor request (prompt, scalars, images).</summary>
internal static class ComfyRunnerInputs
{
    public static string? ConfigString(JsonObject config, string name)
        => config[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    public static bool ConfigBool(JsonObject config, string name)
        => config[name] is JsonValue v && v.GetValueKind() == JsonValueKind.True;

    /// <summary>Collects the prompt, scalars (config <c>inputs</c>/<c>scalars</c> object, then node inputs) and image inputs (file inputs).</summary>
    public static (string? Prompt, Dictionary<string, JsonNode?> Scalars, Dictionary<string, string> Images, string? Error) Collect(RunnerContext context)
    {
        var config = context.Config;
        var scalars = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var key in new[] { "scalars", "inputs" })
        {
            if (config[key] is JsonObject obj)
            {
                foreach (var (name, value) in obj)
                {
                    scalars[name] = value?.DeepClone();
                }
            }
        }

        var prompt = ConfigString(config, "prompt");
        var images = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in context.Inputs)
        {
            switch (value)
            {
                case FileInputValue file:
                    string full;
                    try
                    {
                        full = Path.IsPathRooted(file.Path) ? file.Path : context.ResolveProjectPath(file.Path);
                    }
                    catch (ArgumentException ex)
                    {
                        return (null, scalars, images, $"input '{name}': {ex.Message}");
                    }

                    images[name] = full;
                    break;
                case TextInputValue text when name == ComfyExecutor.PromptInput:
                    prompt = text.Text;
                    break;
                case TextInputValue text:
                    scalars[name] = double.TryParse(text.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && !text.Text.Contains('.', StringComparison.Ordinal) && long.TryParse(text.Text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var integer)
                        ? JsonValue.Create(integer)
                        : double.TryParse(text.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out number) ? JsonValue.Create(number) : JsonValue.Create(text.Text);
                    break;
                default:
                    var json = value.ToJson();
                    if (name == ComfyExecutor.PromptInput && json is JsonValue pv && pv.GetValueKind() == JsonValueKind.String)
                    {
                        prompt = pv.GetValue<string>();
                    }
                    else
                    {
                        scalars[name] = json;
                    }

                    break;
            }
        }

        prompt ??= PromptFromInputs(context);
        return (prompt, scalars, images, null);
    }

    /// <summary>
    /// Finds the prompt among upstream values when no input is named <c>prompt</c>: a string field of a JSON object input
    /// (<c>config.promptField</c>, else <c>prompt</c>, <c>imagePrompt</c>, <c>image_prompt</c>, <c>text</c>).
    /// </summary>
    private static string? PromptFromInputs(RunnerContext context)
    {
        var fields = ConfigString(context.Config, "promptField") is { } field ? new[] { field } : ["prompt", "imagePrompt", "image_prompt", "text"];
        foreach (var (_, value) in context.Inputs)
        {
            if (value.ToJson() is JsonObject obj)
            {
                foreach (var f in fields)
                {
                    if (obj[f] is JsonValue v && v.GetValueKind() == JsonValueKind.String)
                    {
                        return v.GetValue<string>();
                    }
                }
            }
        }

        return null;
    }

    public static long? ConfigSeed(JsonObject config)
        => config["seed"] is JsonValue v && v.GetValueKind() == JsonValueKind.Number && long.TryParse(v.ToJsonString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed) ? seed : null;
}
