using Dhee.Walking;
using Spectre.Console;

namespace Dhee.Cli.Hosting;

/// <summary>
/// Shows a walk's events: on a terminal a live display (an overall bar and one line per running instance with its
/// progress); elsewhere one plain line per event, so logs stay readable.
/// </summary>
internal static class WalkProgressDisplay
{
    /// <summary>Consumes <paramref name="events"/>, rendering as it goes, and returns the walk's result.</summary>
    public static async Task<WalkResult?> ShowAsync(CommandContext context, IAsyncEnumerable<WalkEvent> events)
    {
        if (context.Console.Profile.Capabilities.Interactive)
        {
            return await ShowLiveAsync(context.Console, events).ConfigureAwait(false);
        }

        WalkResult? result = null;
        await foreach (var walkEvent in events.ConfigureAwait(false))
        {
            if (walkEvent.Result is not null)
            {
                result = walkEvent.Result;
            }

            if (!context.Json && Describe(walkEvent) is { } line)
            {
                context.Out.WriteLine(line);
            }
        }

        return result;
    }

    /// <summary>One log line for an event, or null for events not worth a line (fine-grained progress).</summary>
    public static string? Describe(WalkEvent e)
    {
        var instance = e.ItemId is null ? e.NodeId : $"{e.NodeId}[{e.ItemId}]";
        return e.Kind switch
        {
            WalkEventKind.WalkStarted => $"walk started: target '{e.Message}', {e.ItemCount} nodes planned",
            WalkEventKind.CollectionMaterialized => $"  {e.NodeId}: {e.ItemCount} items ({e.Message})",
            WalkEventKind.NodeStarted => $"→ {instance} via {e.Tool}",
            WalkEventKind.NodeRetrying => $"↻ {instance} retrying: {e.Message}",
            WalkEventKind.NodeCompleted => $"✓ {instance} → {e.OutputPath}{Cost(e)}",
            WalkEventKind.NodeCached => $"◆ {instance} → {e.OutputPath} (cached)",
            WalkEventKind.NodeSkipped => $"◌ {instance} (already complete)",
            WalkEventKind.NodeFailed => $"✗ {instance}: {e.Message}",
            WalkEventKind.NodeBlocked => $"⊘ {instance} blocked: {e.Message}",
            WalkEventKind.BudgetExceeded => $"$ budget reached: {e.Message}",
            WalkEventKind.WalkFinished => $"walk finished: {e.Message}",
            _ => null,
        };
    }

    private static string Cost(WalkEvent e) => e.CostUsd is > 0 ? $" (${e.CostUsd:0.####})" : string.Empty;

    private static async Task<WalkResult?> ShowLiveAsync(IAnsiConsole console, IAsyncEnumerable<WalkEvent> events)
    {
        WalkResult? result = null;
        await console.Progress()
            .AutoClear(false)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async progress =>
            {
                var overall = progress.AddTask("[bold]walk[/]", maxValue: 1);
                var running = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                int completed = 0, cached = 0, skipped = 0, failed = 0, blocked = 0;
                await foreach (var e in events.ConfigureAwait(false))
                {
                    var key = e.ItemId is null ? e.NodeId ?? string.Empty : $"{e.NodeId}[{e.ItemId}]";
                    switch (e.Kind)
                    {
                        case WalkEventKind.NodeStarted:
                            running[key] = progress.AddTask($"  {Markup.Escape(key)} [grey]{Markup.Escape(e.Tool ?? string.Empty)}[/]", maxValue: 1);
                            running[key].IsIndeterminate = true;
                            break;
                        case WalkEventKind.NodeProgress when running.TryGetValue(key, out var task) && e.Progress is { } fraction:
                            task.IsIndeterminate = false;
                            task.Value = fraction;
                            break;
                        case WalkEventKind.NodeCompleted or WalkEventKind.NodeCached or WalkEventKind.NodeFailed or WalkEventKind.NodeSkipped or WalkEventKind.NodeBlocked:
                            completed += e.Kind == WalkEventKind.NodeCompleted ? 1 : 0;
                            cached += e.Kind == WalkEventKind.NodeCached ? 1 : 0;
                            skipped += e.Kind == WalkEventKind.NodeSkipped ? 1 : 0;
                            failed += e.Kind == WalkEventKind.NodeFailed ? 1 : 0;
                            blocked += e.Kind == WalkEventKind.NodeBlocked ? 1 : 0;
                            if (running.Remove(key, out var done))
                            {
                                done.Value = done.MaxValue;
                                done.StopTask();
                            }

                            if (e.Kind == WalkEventKind.NodeFailed)
                            {
                                console.MarkupLine($"[red]✗ {Markup.Escape(key)}[/]: {Markup.Escape(e.Message ?? string.Empty)}");
                            }

                            break;
                        case WalkEventKind.WalkFinished:
                            result = e.Result;
                            break;
                    }

                    if (e.Total is > 0 && e.Done is { } doneCount)
                    {
                        overall.MaxValue = e.Total.Value;
                        overall.Value = doneCount;
                    }

                    overall.Description = $"[bold]walk[/] done {completed} · cached {cached} · skipped {skipped} · [red]failed {failed}[/] · blocked {blocked}";
                }

                overall.Value = overall.MaxValue;
                overall.StopTask();
            }).ConfigureAwait(false);
        return result;
    }
}
