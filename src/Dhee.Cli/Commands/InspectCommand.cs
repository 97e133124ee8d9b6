using System.CommandLine;
using Dhee.Cli.Hosting;
using Dhee.Walking;

namespace Dhee.Cli.Commands;

/// <summary><c>dhee inspect &lt;node&gt;</c>: everything recorded about a node (or one item): state, dependencies and recent events.</summary>
internal static class InspectCommand
{
    internal static Command Create()
    {
        var nodeArgument = new Argument<string>("node") { Description = "The node id." };
        var project = WalkCommandSupport.ProjectOption();
        var item = new Option<string?>("--item") { Description = "One item of a collection node." };
        var command = new Command("inspect", "Show a node's recorded instances: status, output, inputs hash, cost, timing, dependencies and its latest events.") { nodeArgument, project, item };
        command.WithExamples("dhee inspect shot_image --item shot_3 -p ./my-video", "dhee inspect final_video --json");
        command.SetHandler(context =>
        {
            var dir = Path.GetFullPath(context.GetValue(project) ?? ".");
            var node = context.GetValue(nodeArgument);
            var itemId = context.GetValue(item);
            var entries = Walker.ReadState(dir).Where(e => e.NodeId == node && (itemId is null || string.Equals(e.ItemId, itemId, StringComparison.OrdinalIgnoreCase))).ToList();
            var events = Walker.ReadEvents(dir).Where(e => e.NodeId == node && (itemId is null || string.Equals(e.ItemId, itemId, StringComparison.OrdinalIgnoreCase))).TakeLast(20).ToList();
            if (entries.Count == 0 && events.Count == 0)
            {
                return Task.FromResult(context.Fail($"nothing is recorded for node '{WalkCommandSupport.Label(node, itemId)}' in {dir}", "check the node id (dhee nodes lists recorded instances) and the --project folder"));
            }

            if (context.Json)
            {
                context.WriteJson(new { instances = entries, events });
                return Task.FromResult(ExitCodes.Ok);
            }

            foreach (var e in entries)
            {
                context.Out.WriteLine($"{WalkCommandSupport.Label(e.NodeId, e.ItemId)}: {WalkCommandSupport.Word(e.Status)}{(e.Cached ? " (cached)" : string.Empty)}");
                context.Out.WriteLine($"  tool: {e.Tool}");
                context.Out.WriteLine($"  output: {e.OutputPath}");
                context.Out.WriteLine($"  inputs hash: {e.InputsHash}");
                context.Out.WriteLine($"  cost: ${e.CostUsd}");
                context.Out.WriteLine($"  started: {e.StartedAt:u}  ended: {e.EndedAt:u}");
                if (e.Error is not null)
                {
                    context.Out.WriteLine($"  error: {e.Error}");
                }

                if (e.Dependencies.Count > 0)
                {
                    context.Out.WriteLine($"  read: {string.Join(", ", e.Dependencies)}");
                }
            }

            foreach (var e in events)
            {
                context.Out.WriteLine($"  #{e.Sequence} {e.Timestamp:u} {e.Kind} {WalkCommandSupport.Label(e.NodeId ?? string.Empty, e.ItemId)} {e.Message}");
            }

            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }
}
