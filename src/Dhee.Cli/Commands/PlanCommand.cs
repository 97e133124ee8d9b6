using System.CommandLine;
using Dhee.Cli.Hosting;
using Dhee.Registry;
using Dhee.Walking;
using Spectre.Console;

namespace Dhee.Cli.Commands;

/// <summary><c>dhee plan &lt;bundle&gt;</c>: a dry run listing what would run, what is up to date, and why.</summary>
internal static class PlanCommand
{
    internal static Command Create() => Create(CliRunners.CreateRegistry);

    internal static Command Create(Func<RunnerRegistry> createRegistry)
    {
        var bundleArgument = new Argument<string>("bundle") { Description = "A bundle folder (containing bundle.json) or a bundle .json file." };
        var project = ProjectOption.Create();
        var to = new Option<string?>("--to") { Description = "Plan only this node and its ancestors." };
        var command = new Command("plan", "Dry run: list what `dhee run` would run and skip, and why, without running anything.") { bundleArgument, project, to };
        command.WithExamples("dhee plan my-bundle -p ./my-video", "dhee plan my-bundle --to shot_image --json");
        command.SetHandler(async context =>
        {
            var bundle = CliWalks.LoadBundle(context.GetValue(bundleArgument));
            var options = new WalkOptions { ProjectDir = Path.GetFullPath(context.GetValue(project) ?? "."), To = context.GetValue(to) };
            var plan = await CliWalks.CreateWalker(createRegistry()).PlanAsync(bundle, options, context.CancellationToken).ConfigureAwait(false);
            if (context.Json)
            {
                context.WriteJson(new { ok = true, plan.Target, toRun = plan.ToRun, upToDate = plan.UpToDate, plan.Instances, plan.Collections });
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("Instance", "Tool", "Action", "Why");
            foreach (var i in plan.Instances)
            {
                var action = i.Action switch
                {
                    PlannedAction.Run => "run",
                    PlannedAction.UpToDate => "up to date",
                    _ => "unknown",
                };
                table.AddRow(Markup.Escape(i.ItemId is null ? i.NodeId : $"{i.NodeId}[{i.ItemId}]"), Markup.Escape(i.Tool), action, Markup.Escape(i.Reason));
            }

            context.Console.Write(table);
            context.Out.WriteLine($"{plan.ToRun} to run, {plan.UpToDate} up to date, {plan.Instances.Count(i => i.Action == PlannedAction.Unknown)} not known yet (target '{plan.Target}').");
            return ExitCodes.Ok;
        });
        return command;
    }
}
