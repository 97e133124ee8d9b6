using System.CommandLine;
using Dhee.Cli.Hosting;
using Dhee.Walking;

namespace Dhee.Cli.Commands;

/// <summary><c>dhee invalidate &lt;node&gt;</c>: marks a node (or one item) and everything downstream of it to run again.</summary>
internal static class InvalidateCommand
{
    internal static Command Create()
    {
        var nodeArgument = new Argument<string>("node") { Description = "The node id." };
        var project = WalkCommandSupport.ProjectOption();
        var item = new Option<string?>("--item") { Description = "Only this item of a collection node." };
        var command = new Command("invalidate", "Mark a node (or one item) and every instance that used it as not done; outputs are kept as .vN versions.") { nodeArgument, project, item };
        command.WithExamples("dhee invalidate scene_plan -p ./my-video", "dhee invalidate shot_image --item shot_3");
        command.SetHandler(async context =>
        {
            var dir = Path.GetFullPath(context.GetValue(project) ?? ".");
            var node = context.GetValue(nodeArgument);
            var keys = await Walker.InvalidateAsync(dir, node, context.GetValue(item), context.CancellationToken).ConfigureAwait(false);
            if (context.Json)
            {
                context.WriteJson(new { ok = true, invalidated = keys });
                return ExitCodes.Ok;
            }

            if (keys.Count == 0)
            {
                return context.Fail($"nothing recorded for '{WalkCommandSupport.Label(node, context.GetValue(item))}' in {dir}; nothing to invalidate", "check the node id with dhee nodes");
            }

            context.Out.WriteLine($"Invalidated {keys.Count} instance(s): {string.Join(", ", keys)}. The next run runs them again.");
            return ExitCodes.Ok;
        });
        return command;
    }
}
