using System.CommandLine;
using Dhee.Cli.Hosting;
using Dhee.Walking;
using Spectre.Console;

namespace Dhee.Cli.Commands;

/// <summary><c>dhee nodes</c>: every recorded node instance of a project, optionally filtered by status.</summary>
internal static class NodesCommand
{
    internal static Command Create()
    {
        var project = WalkCommandSupport.ProjectOption();
        var status = new Option<WalkStateStatus?>("--status") { Description = "Only instances with this status: completed, failed or interrupted." };
        var command = new Command("nodes", "List recorded node instances with status, output, cost and error.") { project, status };
        command.WithExamples("dhee nodes -p ./my-video", "dhee nodes --status failed --json");
        command.SetHandler(context =>
        {
            var dir = Path.GetFullPath(context.GetValue(project) ?? ".");
            var filter = context.GetValue(status);
            var entries = Walker.ReadState(dir).Where(e => filter is null || e.Status == filter).ToList();
            if (context.Json)
            {
                context.WriteJson(entries);
                return Task.FromResult(ExitCodes.Ok);
            }

            if (entries.Count == 0)
            {
                context.Out.WriteLine("No recorded instances" + (filter is null ? "." : $" with status {WalkCommandSupport.Word(filter.Value)}."));
                return Task.FromResult(ExitCodes.Ok);
            }

            var table = new Table().AddColumns("Instance", "Tool", "Status", "Output", "Cost $", "Error");
            foreach (var e in entries)
            {
                table.AddRow(
                    Markup.Escape(WalkCommandSupport.Label(e.NodeId, e.ItemId)),
                    Markup.Escape(e.Tool ?? string.Empty),
                    WalkCommandSupport.Word(e.Status) + (e.Cached ? " (cached)" : string.Empty),
                    Markup.Escape(e.OutputPath ?? string.Empty),
                    e.CostUsd.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture),
                    Markup.Escape(e.Error ?? string.Empty));
            }

            context.Console.Write(table);
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }
}
