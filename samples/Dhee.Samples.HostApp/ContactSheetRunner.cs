using System.Globalization;
using System.Text;
using Dhee.Inputs;
using Dhee.Runners;
using Microsoft.Extensions.Logging;

namespace Dhee.Samples.HostApp;

/// <summary>
/// <c>hostapp.contact-sheet</c>: the host's own runner. It aggregates every upstream file (the frames) into a Markdown
/// contact sheet listing each one with its size. Created by the container, so it can take services (here a logger).
/// </summary>
public sealed class ContactSheetRunner(ILogger<ContactSheetRunner> logger) : IRunner
{
    /// <summary>The tool id.</summary>
    public const string Tool = "hostapp.contact-sheet";

    /// <summary>Gets the registration manifest (found by <c>AddRunner&lt;ContactSheetRunner&gt;()</c>).</summary>
    public static RunnerManifest Manifest { get; } = new() { Tool = Tool, Version = "1.0.0", EngineCompat = "^0.1.0" };

    /// <inheritdoc/>
    public RunnerDescription Describe() => new()
    {
        Id = Tool,
        DisplayName = "Contact sheet",
        Description = "Lists every upstream file in a Markdown contact sheet.",
        OutputModalities = [Modality.Text],
    };

    /// <inheritdoc/>
    public async ValueTask<RunnerResult> RunAsync(RunnerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var files = context.Inputs.Values.SelectMany(Files).ToList();
        if (files.Count == 0)
        {
            return RunnerResult.Failure($"node '{context.Node.Id}': no upstream files to put on the sheet; give it an aggregate input such as {{\"from\": \"frame\", \"usage\": \"aggregate\", \"scope\": \"all\"}}");
        }

        var sheet = new StringBuilder();
        sheet.Append("# ").AppendLine(context.Config["title"]?.ToString() ?? "Contact sheet").AppendLine();
        foreach (var file in files)
        {
            var relative = Path.GetRelativePath(context.ProjectDir, file.Path).Replace('\\', '/');
            var size = new FileInfo(file.Path).Length;
            sheet.Append(CultureInfo.InvariantCulture, $"- {file.ItemId ?? "?"}: ![{file.ItemId}]({relative}) ({size} bytes)").AppendLine();
        }

        Directory.CreateDirectory(Path.GetDirectoryName(context.OutputFullPath)!);
        await File.WriteAllTextAsync(context.OutputFullPath, sheet.ToString(), context.CancellationToken).ConfigureAwait(false);
        logger.LogInformation("Contact sheet with {Count} frames written to {Output}", files.Count, context.OutputPath);
        return RunnerResult.Success(context.OutputPath);
    }

    private static IEnumerable<FileInputValue> Files(InputValue value) => value switch
    {
        FileInputValue file => [file],
        ListInputValue list => list.Items.SelectMany(Files),
        MapInputValue map => map.Entries.SelectMany(e => Files(e.Value)),
        _ => [],
    };
}
