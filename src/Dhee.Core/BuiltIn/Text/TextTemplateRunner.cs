using System.Text;
using System.Text.Json.Nodes;
using Dhee.Runners;
using Dhee.Utils;

namespace Dhee.BuiltIn.Text;

/// <summary>
/// <c>text.template</c>: renders a <c>%s</c> template with the node's input text and writes the result as a text output.
/// </summary>
/// <remarks>
/// <para><c>%s</c> is replaced by the input text and <c>%%s</c> renders a literal <c>%s</c>; any other <c>%</c> is kept.
/// The default template is <c>%s</c> (pass-through).</para>
/// <para>Several inputs are joined, in the order the node declares them, with <c>separator</c> (default a blank line);
/// every <c>%s</c> receives the joined text. A template without <c>%s</c> is written as is.</para>
/// </remarks>
internal sealed class TextTemplateRunner : IRunner
{
    /// <summary>The tool id.</summary>
    public const string Tool = "text.template";

    private const string DefaultTemplate = "%s";
    private const string DefaultSeparator = "\n\n";

    /// <summary>Gets the runner's registration record.</summary>
    public static RunnerManifest Manifest { get; } = BuiltInManifests.Create(Tool, "Text template", "Renders a %s template with the node's input text.");

    /// <inheritdoc/>
    public RunnerDescription Describe() => new()
    {
        Id = Tool,
        DisplayName = "Text template",
        Description = "Replaces every %s in 'template' with the input text (several inputs are joined in declared order with 'separator'); %%s renders a literal %s. Writes a text file.",
        Capabilities = ["text-template"],
        InputModalities = [Modality.Text],
        OutputModalities = [Modality.Text],
        CostHint = CostHint.Free,
        ConfigSchema = new JsonObject
        {
            ["type"] = "object",
            ["additionalProperties"] = false,
            ["properties"] = new JsonObject
            {
                ["template"] = new JsonObject
                {
                    ["type"] = "string",
                    ["description"] = "The template. %s is replaced by the input text, %%s renders a literal %s. Default: %s (pass-through).",
                    ["default"] = DefaultTemplate,
                },
                ["separator"] = new JsonObject
                {
                    ["type"] = "string",
                    ["description"] = "Joins the texts of several inputs, in the order the node declares them. Default: a blank line.",
                    ["default"] = DefaultSeparator,
                },
            },
        },
    };

    /// <inheritdoc/>
    public async ValueTask<RunnerResult> RunAsync(RunnerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var template = ConfigReader.GetString(context.Config, "template") ?? DefaultTemplate;
        var separator = ConfigReader.GetString(context.Config, "separator") ?? DefaultSeparator;
        var inputs = DeclaredInputs.Names(context).Select(name => context.Inputs[name]).ToList();

        if (inputs.Count == 0 && CountPlaceholders(template) > 0)
        {
            return RunnerResult.Failure(
                $"node '{context.Node.Id}' (text.template): the template contains %s but the node has no input to fill it; add an input to the node or write %%s for a literal %s");
        }

        var text = Render(template, string.Join(separator, inputs.Select(i => i.ToText())));
        await AtomicFile.WriteAllTextAsync(context.OutputFullPath, text, context.CancellationToken).ConfigureAwait(false);
        return RunnerResult.Success(context.OutputPath, new JsonObject
        {
            [RunnerMetadataKeys.Cached] = false,
            ["inputCount"] = inputs.Count,
            ["length"] = text.Length,
        });
    }

    /// <summary>Renders <paramref name="template"/>: every <c>%s</c> becomes <paramref name="value"/>, every <c>%%s</c> a literal <c>%s</c>.</summary>
    /// <param name="template">The template.</param>
    /// <param name="value">The text for <c>%s</c>.</param>
    /// <returns>The rendered text.</returns>
    internal static string Render(string template, string value)
    {
        var builder = new StringBuilder(template.Length + value.Length);
        for (var i = 0; i < template.Length; i++)
        {
            if (template[i] == '%' && i + 2 < template.Length && template[i + 1] == '%' && template[i + 2] == 's')
            {
                builder.Append("%s");
                i += 2;
            }
            else if (template[i] == '%' && i + 1 < template.Length && template[i + 1] == 's')
            {
                builder.Append(value);
                i += 1;
            }
            else
            {
                builder.Append(template[i]);
            }
        }

        return builder.ToString();
    }

    private static int CountPlaceholders(string template)
    {
        var count = 0;
        for (var i = 0; i < template.Length; i++)
        {
            if (template[i] == '%' && i + 2 < template.Length && template[i + 1] == '%' && template[i + 2] == 's')
            {
                i += 2;
            }
            else if (template[i] == '%' && i + 1 < template.Length && template[i + 1] == 's')
            {
                count++;
                i += 1;
            }
        }

        return count;
    }
}
