using System.CommandLine;
using Dhee.Cli.Hosting;
using Dhee.Walking;

namespace Dhee.Cli.Commands;

/// <summary><c>dhee invalidate &lt;node&gt;</c>: marks a node (or item) and everything downstream of it as not done, keeping old outputs as versions.</summary>
internal static class InvalidateCommand
{
    internal static Command Create()
    {
        var nodeArgument = new Argument<string>("node") { Description = "The node id." };
        var projectOption = ProjectOption.Create();
        var itemOption = new Option<string?>("--item") { Description = "Only this collection item (and what consumed it)." };
        var command = new Command("invalidate", "Mark a node (or one item) and every downstream instance to run again; old outputs are kept as <stem>.vN.<ext>.")
        {
            nodeArgument, projectOption, itemOption,
        };
        command.WithExamples("dhee invalidate scene_plan --project ./p", "dhee invalidate shot_image --item shot_2 -p ./p");
        command.SetHandler(async context =>
        {
            var project = ProjectOption.Resolve(context, projectOption);
            IReadOnlyList<string> keys;
            try
            {
                keys = await Walker.InvalidateAsync(project, context.GetValue(nodeArgument), context.GetValue(itemOption), context.CancellationToken).ConfigureAwait(false);
            }
            catch (WalkInProgressException ex)
            {
                return context.Fail(ex.Message, "stop the walk first with 'dhee stop'");
            }

            if (context.Json)
            {
                context.WriteJson(new { ok = true, invalidated = keys });
            }
            else if (keys.Count == 0)
            {
                context.Out.WriteLine("Nothing recorded matches; nothing to invalidate.");
            }
            else
            {
                context.Out.WriteLine($"Invalidated {keys.Count} instance(s): {string.Join(", ", keys)}. Run 'dhee run' to regenerate them.");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
