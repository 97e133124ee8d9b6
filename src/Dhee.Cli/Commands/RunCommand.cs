using System.CommandLine;
using Dhee.Cli.Hosting;
using Dhee.Registry;
using Dhee.Walking;
using Spectre.Console;

namespace Dhee.Cli.Commands;

/// <summary><c>dhee run &lt;bundle&gt; --project &lt;dir&gt;</c>: walks a bundle with live progress and a summary; resumes what an earlier walk left.</summary>
internal static class RunCommand
{
    internal static Command Create() => Create("run", "Walk a bundle over a project folder: run what the goal (or --to) needs, in parallel, resuming earlier walks.", CliRunners.CreateRegistry);

    /// <summary>Creates the verb under <paramref name="name"/> (<c>run</c>, or <c>run-to</c> which requires a target).</summary>
    internal static Command Create(string name, string description, Func<RunnerRegistry> createRegistry)
    {
        var bundleArgument = new Argument<string>("bundle") { Description = "A bundle folder (containing bundle.json) or a bundle .json file." };
        var projectOption = new Option<string>("--project", "-p") { Description = "The project folder outputs and walk state go to (created if missing).", Required = true };
        var toOption = new Option<string?>("--to") { Description = "Run only this node and what it depends on, never unrelated branches." };
        var parallelOption = new Option<int?>("--max-parallel") { Description = "The most instances running at once (default: processor count)." };
        var noCacheOption = new Option<bool>("--no-cache") { Description = "Do not read or write the content-addressed cache (same as DHEE_DISABLE_CAS=1)." };
        var failFastOption = new Option<bool>("--fail-fast") { Description = "Stop starting new work at the first failure." };
        var budgetOption = new Option<decimal?>("--budget") { Description = "Stop before starting a paid node once this many US dollars are spent." };
        var command = new Command(name, description)
        {
            bundleArgument, projectOption, toOption, parallelOption, noCacheOption, failFastOption, budgetOption,
        };
        command.WithExamples(
            $"dhee {name} samples/bundles/storyboard --project ./out/storyboard",
            $"dhee {name} my-bundle --project ./p --to shot_image --max-parallel 4",
            $"dhee {name} my-bundle --project ./p --json");
        command.SetHandler(async context =>
        {
            var bundle = CliWalks.LoadBundle(context.GetValue(bundleArgument));
            var projectDir = Path.GetFullPath(context.GetValue(projectOption)!);
            Directory.CreateDirectory(projectDir);
            var registry = createRegistry();
            var options = new WalkOptions
            {
                ProjectDir = projectDir,
                To = context.GetValue(toOption),
                MaxParallelism = context.GetValue(parallelOption) is { } parallel and > 0 ? parallel : Environment.ProcessorCount,
                Cache = CliWalks.OpenCache(context.GetValue(noCacheOption)),
                FailFast = context.GetValue(failFastOption),
                BudgetCapUsd = context.GetValue(budgetOption),
            };

            var walker = CliWalks.CreateWalker(registry);
            WalkResult? result;
            try
            {
                result = await WalkProgressDisplay.ShowAsync(context, walker.StreamAsync(bundle, options, context.CancellationToken)).ConfigureAwait(false);
            }
            catch (WalkInProgressException ex)
            {
                return context.Fail(ex.Message, "wait for the other walk to finish, or stop it with 'dhee stop --project " + projectDir + "'");
            }

            if (result is null)
            {
                return context.Fail("the walk ended without a result");
            }

            if (context.Json)
            {
                context.WriteJson(new
                {
                    ok = result.Success,
                    status = result.Status,
                    target = result.Target,
                    targetOutput = result.TargetOutputPath,
                    result.Completed,
                    result.Cached,
                    result.Skipped,
                    result.Failed,
                    result.Blocked,
                    result.NotStarted,
                    spentUsd = result.SpentUsd,
                    durationMs = (long)result.Duration.TotalMilliseconds,
                    failures = result.Failures,
                    traces = result.Traces,
                });
            }
            else
            {
                WriteSummary(context, result);
            }

            return result.Status switch
            {
                WalkStatus.Succeeded => ExitCodes.Ok,
                WalkStatus.Cancelled => ExitCodes.Cancelled,
                _ => ExitCodes.Failure,
            };
        });
        return command;
    }

    private static void WriteSummary(CommandContext context, WalkResult result)
    {
        var table = new Table().AddColumns("Node", "Tool", "Instances", "Ran", "Cached", "Skipped", "Failed", "Blocked", "Cost $");
        foreach (var group in result.Traces.GroupBy(t => t.NodeId))
        {
            var traces = group.ToList();
            table.AddRow(
                Markup.Escape(group.Key),
                Markup.Escape(traces[0].Tool),
                traces.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                traces.Count(t => t.Status == InstanceStatus.Completed && !t.Cached).ToString(System.Globalization.CultureInfo.InvariantCulture),
                traces.Count(t => t.Status == InstanceStatus.Completed && t.Cached).ToString(System.Globalization.CultureInfo.InvariantCulture),
                traces.Count(t => t.Status == InstanceStatus.Skipped).ToString(System.Globalization.CultureInfo.InvariantCulture),
                traces.Count(t => t.Status == InstanceStatus.Failed).ToString(System.Globalization.CultureInfo.InvariantCulture),
                traces.Count(t => t.Status is InstanceStatus.Blocked or InstanceStatus.NotStarted or InstanceStatus.Cancelled).ToString(System.Globalization.CultureInfo.InvariantCulture),
                traces.Sum(t => t.CostUsd).ToString("0.####", System.Globalization.CultureInfo.InvariantCulture));
        }

        context.Console.Write(table);
        foreach (var failure in result.Failures)
        {
            context.Out.WriteLine($"failed: {failure}");
        }

        var output = result.TargetOutputPath is null ? string.Empty : $" Output: {result.TargetOutputPath}";
        context.Out.WriteLine($"{result.Status}: {result.Message} ({result.Duration.TotalSeconds:0.0} s).{output}");
    }
}
