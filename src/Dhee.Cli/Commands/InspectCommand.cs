using System.CommandLine;
using Dhee.Cli.Hosting;
using Dhee.Walking;

namespace Dhee.Cli.Commands;

/// <summary><c>dhee inspect &lt;node&gt;</c>: everything recorded about a node's instances: output, hash, timing, cost, error, dependencies.</summary>
internal static class InspectCommand
{
    internal static Command Create()
    {
        var nodeArgument = new Argument<string>("node") { Description = "The node id." };
        var projectOption = ProjectOption.Create();
        var itemOption = new Option<string?>("--item") { Description = "Only this collection item." };
        var command = new Command("inspect", "Show what is recorded about a node (or one item): output, inputs hash, timing, cost, error, dependencies.")
        {
            nodeArgument, projectOption, itemOption,
        };
        command.WithExamples("dhee inspect final_video --project ./p", "dhee inspect shot_image --item shot_3 -p ./p --json");
        command.SetHandler(context =>
        {
            var project = ProjectOption.Resolve(context, projectOption);
            var node = context.GetValue(nodeArgument);
            var item = context.GetValue(itemOption);
            var entries = Walker.ReadState(project)
                .Where(e => e.NodeId == node && (item is null || string.Equals(e.ItemId, item, StringComparison.OrdinalIgnoreCase)))
                .ToList();
            if (entries.Count == 0)
            {
                var known = Walker.ReadState(project).Select(e => e.NodeId).Distinct().Order(StringComparer.Ordinal).ToList();
                return Task.FromResult(context.Fail(
                    $"no recorded instance of node '{node}'{(item is null ? string.Empty : $" item '{item}'")} in '{project}'",
                    known.Count == 0 ? "walk the project first with 'dhee run'" : $"recorded nodes: {string.Join(", ", known)}"));
            }

            if (context.Json)
            {
                context.WriteJson(entries.Select(e => new { instance = e, outputExists = OutputExists(project, e) }));
                return Task.FromResult(ExitCodes.Ok);
            }

            foreach (var e in entries)
            {
                context.Out.WriteLine(e.ItemId is null ? e.NodeId : $"{e.NodeId}[{e.ItemId}]");
                context.Out.WriteLine($"  tool:         {e.Tool}");
                context.Out.WriteLine($"  status:       {e.Status.ToString().ToLowerInvariant()}{(e.Cached ? " (served from cache)" : string.Empty)}");
                context.Out.WriteLine($"  output:       {e.OutputPath ?? "-"}{(e.OutputPath is null ? string.Empty : OutputExists(project, e) ? string.Empty : " (missing on disk)")}");
                context.Out.WriteLine($"  inputs hash:  {e.InputsHash ?? "-"}");
                context.Out.WriteLine($"  started:      {e.StartedAt?.ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? "-"}");
                context.Out.WriteLine($"  ended:        {e.EndedAt?.ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? "-"}");
                context.Out.WriteLine($"  cost:         ${e.CostUsd:0.####}");
                context.Out.WriteLine($"  depends on:   {(e.Dependencies.Count == 0 ? "-" : string.Join(", ", e.Dependencies))}");
                if (e.Error is not null)
                {
                    context.Out.WriteLine($"  error:        {e.Error}");
                }
            }

            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static bool OutputExists(string project, WalkStateEntry entry)
        => entry.OutputPath is not null && Utils.SafePath.TryResolve(project, entry.OutputPath, out var full, out _) && File.Exists(full);
}
