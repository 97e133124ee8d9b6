using System.CommandLine;
using Dhee.Cli.Hosting;
using Dhee.Walking;

namespace Dhee.Cli.Commands;

/// <summary><c>dhee status</c>: whether a walk is running, how many instances are in each state, and what the last walk did.</summary>
internal static class StatusCommand
{
    internal static Command Create()
    {
        var projectOption = ProjectOption.Create();
        var command = new Command("status", "Show a project's walk state: running or not, instance counts, spend, last walk.") { projectOption };
        command.WithExamples("dhee status --project ./out/storyboard", "dhee status -p ./p --json");
        command.SetHandler(context =>
        {
            var project = ProjectOption.Resolve(context, projectOption);
            var entries = Walker.ReadState(project);
            var events = Walker.ReadEvents(project);
            var lastFinished = events.LastOrDefault(e => e.Kind == WalkEventKind.WalkFinished);
            var walking = Walker.IsWalking(project);
            var counts = entries.GroupBy(e => e.Status).ToDictionary(g => g.Key, g => g.Count());
            var spent = entries.Where(e => !e.Cached).Sum(e => e.CostUsd);
            if (context.Json)
            {
                context.WriteJson(new
                {
                    project,
                    walking,
                    instances = entries.Count,
                    completed = counts.GetValueOrDefault(WalkStateStatus.Completed),
                    failed = counts.GetValueOrDefault(WalkStateStatus.Failed),
                    interrupted = counts.GetValueOrDefault(WalkStateStatus.Interrupted),
                    spentUsd = spent,
                    lastWalk = lastFinished is null ? null : new { finishedAt = lastFinished.Timestamp, message = lastFinished.Message },
                });
                return Task.FromResult(ExitCodes.Ok);
            }

            context.Out.WriteLine($"project:     {project}");
            context.Out.WriteLine($"walking:     {(walking ? "yes" : "no")}");
            context.Out.WriteLine($"instances:   {entries.Count} recorded — {counts.GetValueOrDefault(WalkStateStatus.Completed)} completed, {counts.GetValueOrDefault(WalkStateStatus.Failed)} failed, {counts.GetValueOrDefault(WalkStateStatus.Interrupted)} interrupted");
            context.Out.WriteLine($"spent:       ${spent:0.####}");
            context.Out.WriteLine(lastFinished is null ? "last walk:   none finished" : $"last walk:   {lastFinished.Timestamp:u} — {lastFinished.Message}");
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }
}
