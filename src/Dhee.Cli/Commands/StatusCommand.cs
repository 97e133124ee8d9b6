using System.CommandLine;
using Dhee.Cli.Hosting;
using Dhee.Walking;

namespace Dhee.Cli.Commands;

/// <summary><c>dhee status</c>: whether a walk is running and how many instances are completed, failed or interrupted.</summary>
internal static class StatusCommand
{
    internal static Command Create()
    {
        var project = WalkCommandSupport.ProjectOption();
        var command = new Command("status", "Show a project's walk state: running or not, counts, spend and the last walk's outcome.") { project };
        command.WithExamples("dhee status -p ./my-video", "dhee status --json");
        command.SetHandler(context =>
        {
            var dir = Path.GetFullPath(context.GetValue(project) ?? ".");
            var state = Walker.ReadState(dir);
            var walking = Walker.IsWalking(dir);
            var last = Walker.ReadEvents(dir).LastOrDefault(e => e.Kind == WalkEventKind.WalkFinished);
            var counts = Enum.GetValues<WalkStateStatus>().ToDictionary(s => WalkCommandSupport.Word(s), s => state.Count(e => e.Status == s));
            var spent = state.Where(e => e.Status == WalkStateStatus.Completed && !e.Cached).Sum(e => e.CostUsd);
            if (context.Json)
            {
                context.WriteJson(new { project = dir, walking, instances = state.Count, counts, spentUsd = spent, lastWalk = last is null ? null : new { last.WalkId, last.Timestamp, last.Message } });
                return Task.FromResult(ExitCodes.Ok);
            }

            context.Out.WriteLine($"project: {dir}");
            context.Out.WriteLine(walking ? "a walk is running" : "no walk is running");
            context.Out.WriteLine($"instances: {state.Count} ({string.Join(", ", counts.Select(c => $"{c.Value} {c.Key}"))}); spent ${spent}");
            if (last is not null)
            {
                context.Out.WriteLine($"last walk {last.WalkId} at {last.Timestamp:u}: {last.Message}");
            }

            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }
}
