using System.CommandLine;
using Dhee.Bundles;
using Dhee.Cli.Hosting;
using Dhee.Registry;
using Dhee.Walking;
using Spectre.Console;

namespace Dhee.Cli.Commands;

/// <summary><c>dhee run &lt;bundle&gt;</c>: walks a bundle over a project with live progress and a summary.</summary>
internal static class RunCommand
{
    internal static Command Create() => Create(CliRunners.CreateRegistry);

    internal static Command Create(Func<RunnerRegistry> createRegistry)
    {
        var bundleArgument = new Argument<string>("bundle") { Description = "A bundle folder (containing bundle.json) or a bundle .json file." };
        var project = WalkCommandSupport.ProjectOption();
        var to = new Option<string?>("--to") { Description = "Run only this node and its ancestors." };
        var maxParallel = new Option<int?>("--max-parallel") { Description = "The most node instances run at once. Default: the processor count." };
        var budget = new Option<decimal?>("--budget") { Description = "Stop before paid nodes once this many US dollars are spent (resumable)." };
        var failFast = new Option<bool>("--fail-fast") { Description = "Stop starting new nodes after the first failure." };
        var item = new Option<string[]>("--item") { Description = "Run only these collection items (repeatable); other items are not started.", AllowMultipleArgumentsPerToken = true };
        var command = new Command("run", "Walk a bundle over a project: run what is missing or stale, in parallel, resumably.")
        {
            bundleArgument, project, to, maxParallel, budget, failFast, item,
        };
        command.WithExamples("dhee run my-bundle --project ./my-video", "dhee run my-bundle -p ./my-video --to shot_image --json", "dhee run my-bundle --to shot_image --item shot_3");
        command.SetHandler(async context =>
        {
            var bundle = BundleLoader.Load(context.GetValue(bundleArgument));
            var options = new WalkOptions
            {
                ProjectDir = Path.GetFullPath(context.GetValue(project) ?? "."),
                To = context.GetValue(to),
                MaxParallelism = context.GetValue(maxParallel) ?? Environment.ProcessorCount,
                BudgetCapUsd = context.GetValue(budget),
                FailFast = context.GetValue(failFast),
                OnlyItems = context.GetValue(item) is { Length: > 0 } items ? items : null,
            };
            var walker = new Walker(createRegistry());
            WalkResult? result = null;
            if (context.Json)
            {
                result = await walker.WalkAsync(bundle, options, context.CancellationToken).ConfigureAwait(false);
                context.WriteJson(new { ok = result.Success, result.Status, result.Target, result.TargetOutputPath, result.Message, result.Completed, result.Cached, result.Skipped, result.Failed, result.Blocked, result.NotStarted, result.SpentUsd, result.Failures, result.Collections, result.Traces });
            }
            else if (context.Console.Profile.Capabilities.Interactive)
            {
                await context.Console.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                    .StartAsync(async progress =>
                    {
                        var overall = progress.AddTask("walk", maxValue: 1);
                        var running = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                        await foreach (var e in walker.StreamAsync(bundle, options, context.CancellationToken).ConfigureAwait(false))
                        {
                            var label = Markup.Escape(WalkCommandSupport.Label(e.NodeId ?? string.Empty, e.ItemId));
                            if (e.Total is > 0 and var total)
                            {
                                overall.MaxValue = total;
                                overall.Value = e.Done ?? 0;
                                overall.Description = $"walk: {e.Done}/{total}";
                            }

                            switch (e.Kind)
                            {
                                case WalkEventKind.NodeStarted:
                                    running[label] = progress.AddTask(label, maxValue: 1);
                                    break;
                                case WalkEventKind.NodeProgress when running.TryGetValue(label, out var task) && e.Progress is { } fraction:
                                    task.Value = fraction;
                                    break;
                                case WalkEventKind.NodeCompleted or WalkEventKind.NodeCached or WalkEventKind.NodeFailed when running.Remove(label, out var finished):
                                    finished.Value = 1;
                                    finished.StopTask();
                                    break;
                                case WalkEventKind.WalkFinished:
                                    result = e.Result;
                                    break;
                            }
                        }
                    }).ConfigureAwait(false);
            }
            else
            {
                await foreach (var e in walker.StreamAsync(bundle, options, context.CancellationToken).ConfigureAwait(false))
                {
                    var label = WalkCommandSupport.Label(e.NodeId ?? string.Empty, e.ItemId);
                    var line = e.Kind switch
                    {
                        WalkEventKind.NodeStarted => $"→ {label} via {e.Tool}",
                        WalkEventKind.NodeCompleted => $"✓ {label} → {e.OutputPath}",
                        WalkEventKind.NodeCached => $"✓ {label} → {e.OutputPath} (cached)",
                        WalkEventKind.NodeFailed => $"✗ {label}: {e.Message}",
                        WalkEventKind.NodeBlocked => $"- {label}: {e.Message}",
                        WalkEventKind.NodeRetrying => $"↻ {label}: {e.Message}",
                        WalkEventKind.CollectionMaterialized => $"◆ {e.NodeId}: {e.Message}",
                        WalkEventKind.BudgetExceeded => $"$ {e.Message}",
                        _ => null,
                    };
                    if (line is not null)
                    {
                        context.Out.WriteLine(line);
                    }

                    if (e.Kind == WalkEventKind.WalkFinished)
                    {
                        result = e.Result;
                    }
                }
            }

            if (result is null)
            {
                return context.Fail("the walk ended without a result");
            }

            if (!context.Json)
            {
                WriteSummary(context, result);
            }

            return result.Status switch
            {
                WalkStatus.Succeeded => ExitCodes.Ok,
                WalkStatus.Cancelled => ExitCodes.Cancelled,
                WalkStatus.BudgetExceeded => ExitCodes.Ok,
                _ => ExitCodes.Failure,
            };
        });
        return command;
    }

    private static void WriteSummary(CommandContext context, WalkResult result)
    {
        var table = new Table().AddColumns("Node", "Instances", "Ran", "Cached", "Skipped", "Failed", "Blocked", "Cost $");
        foreach (var group in result.Traces.GroupBy(t => t.NodeId))
        {
            table.AddRow(
                Markup.Escape(group.Key),
                group.Count().ToString(System.Globalization.CultureInfo.InvariantCulture),
                group.Count(t => t.Status == InstanceStatus.Completed && !t.Cached).ToString(System.Globalization.CultureInfo.InvariantCulture),
                group.Count(t => t.Status == InstanceStatus.Completed && t.Cached).ToString(System.Globalization.CultureInfo.InvariantCulture),
                group.Count(t => t.Status == InstanceStatus.Skipped).ToString(System.Globalization.CultureInfo.InvariantCulture),
                group.Count(t => t.Status == InstanceStatus.Failed).ToString(System.Globalization.CultureInfo.InvariantCulture),
                group.Count(t => t.Status == InstanceStatus.Blocked).ToString(System.Globalization.CultureInfo.InvariantCulture),
                group.Sum(t => t.CostUsd).ToString("0.####", System.Globalization.CultureInfo.InvariantCulture));
        }

        context.Console.Write(table);
        foreach (var failure in result.Failures)
        {
            context.Out.WriteLine($"✗ {failure}");
        }

        context.Out.WriteLine($"{result.Status}: {result.Message}");
        if (result.TargetOutputPath is not null)
        {
            context.Out.WriteLine($"output: {result.TargetOutputPath}");
        }
    }
}
