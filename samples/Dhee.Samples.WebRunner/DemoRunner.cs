using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Dhee.Runners;

namespace Dhee.Samples.WebRunner;

/// <summary>
/// Offline runners for the sample, so it runs without any model or API: each takes a few steps (reporting progress)
/// and writes a small text, JSON or SVG output. <c>config.fail</c> makes a node fail, to show errors.
/// </summary>
internal sealed class DemoRunner(string tool, DemoOutputKind kind, TimeSpan stepDelay) : IRunner
{
    private static readonly string[] Colors = ["#4f46e5", "#0891b2", "#16a34a", "#ca8a04", "#dc2626", "#9333ea"];

    public static IReadOnlyList<IRunner> All(TimeSpan stepDelay) =>
    [
        new DemoRunner("demo.write", DemoOutputKind.Text, stepDelay),
        new DemoRunner("demo.list", DemoOutputKind.List, stepDelay),
        new DemoRunner("demo.draw", DemoOutputKind.Svg, stepDelay),
    ];

    public RunnerDescription Describe() => new()
    {
        Id = tool,
        DisplayName = kind switch { DemoOutputKind.List => "Demo list", DemoOutputKind.Svg => "Demo drawing", _ => "Demo text" },
        Description = "An offline demo runner of the web runner sample.",
        ConfigSchema = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["text"] = new JsonObject { ["type"] = "string" },
                ["count"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["maximum"] = 12 },
                ["fail"] = new JsonObject { ["type"] = "boolean" },
            },
        },
    };

    public async ValueTask<RunnerResult> RunAsync(RunnerContext context)
    {
        for (var step = 1; step <= 4; step++)
        {
            await Task.Delay(stepDelay / 4, context.CancellationToken).ConfigureAwait(false);
            context.ReportProgress(step / 4.0, $"step {step} of 4");
        }

        if (context.Config["fail"] is JsonValue fail && fail.TryGetValue<bool>(out var shouldFail) && shouldFail)
        {
            return RunnerResult.Failure($"Node '{context.Node.Id}' is configured to fail (config.fail = true); set it to false to let it pass.");
        }

        var topic = (string?)context.Config["text"] ?? context.Node.DisplayName ?? context.Node.Id;
        var label = context.ItemId is null ? topic : $"{topic} {context.ItemId}";
        string content = kind switch
        {
            DemoOutputKind.List => new JsonObject
            {
                ["items"] = new JsonArray(Enumerable.Range(1, (int?)context.Config["count"] ?? 3)
                    .Select(i => (JsonNode)new JsonObject { ["id"] = $"shot-{i}", ["title"] = $"{topic} #{i}" }).ToArray()),
            }.ToJsonString(),
            DemoOutputKind.Svg => Svg(label, context.ItemId),
            _ => $"{label}: made from {(context.Inputs.Count == 0 ? "nothing" : string.Join(", ", context.Inputs.Keys))}.",
        };
        var full = context.OutputFullPath;
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        await File.WriteAllTextAsync(full, content, context.CancellationToken).ConfigureAwait(false);
        return RunnerResult.Success(context.OutputPath, new JsonObject { [RunnerMetadataKeys.CostUsd] = 0.01m });
    }

    private static string Svg(string label, string? itemId)
    {
        var color = Colors[Math.Abs(StringComparer.Ordinal.GetHashCode(itemId ?? label)) % Colors.Length];
        var text = WebUtility.HtmlEncode(label);
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"160\" height=\"90\" viewBox=\"0 0 160 90\">");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"160\" height=\"90\" rx=\"8\" fill=\"{color}\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"130\" cy=\"25\" r=\"12\" fill=\"#fde047\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"12\" y=\"70\" font-family=\"sans-serif\" font-size=\"13\" fill=\"white\">{text}</text></svg>");
        return svg.ToString();
    }
}
