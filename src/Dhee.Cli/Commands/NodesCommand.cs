using System.CommandLine;
using System.Globalization;
using Dhee.Cli.Hosting;
using Dhee.Walking;
using Spectre.Console;

namespace Dhee.Cli.Commands;

/// <summary><c>dhee nodes</c>: lists the recorded instances of a project, optionally filtered by status.</summary>
internal static class NodesCommand
{
    internal static Command Create()
    {
        var projectOption = ProjectOption.Create();
        var statusOption = new Option<WalkStateStatus?>("--status") { Description = "Only instances in this state: completed, failed or interrupted." };
        var command = new Command("nodes", "List the recorded node instances of a project with status, output and cost.") { projectOption, statusOption };
        command.WithExamples("dhee nodes --project ./p", "dhee nodes -p ./p --status failed --json");
        command.SetHandler(context =>
        {
            var project = ProjectOption.Resolve(context, projectOption);
            var status = context.GetValue(statusOption);
            var entries = Walker.ReadState(project).Where(e => status is null || e.Status == status).ToList();
            if (context.Json)
            {
                context.WriteJson(entries);
                return Task.FromResult(ExitCodes.Ok);
            }

            var table = new Table().AddColumns("Node", "Item", "Tool", "Status", "Output", "Cost $");
            foreach (var e in entries)
            {
                table.AddRow(
                    Markup.Escape(e.NodeId),
                    Markup.Escape(e.ItemId ?? string.Empty),
                    Markup.Escape(e.Tool ?? string.Empty),
                    Markup.Escape(e.Status.ToString().ToLowerInvariant() + (e.Cached ? " (cached)" : string.Empty)),
                    Markup.Escape(e.OutputPath ?? e.Error ?? string.Empty),
                    e.CostUsd.ToString("0.####", CultureInfo.InvariantCulture));
            }

            context.Console.Write(table);
            context.Out.WriteLine($"{entries.Count} instance(s).");
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }
}
