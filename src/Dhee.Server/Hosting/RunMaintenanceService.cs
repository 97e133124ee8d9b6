using Dhee.Server.Runs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dhee.Server.Hosting;

/// <summary>
/// At start, marks runs left running by a previous process as interrupted; then prunes finished runs past their time
/// to live; at stop, interrupts live runs so they can be resumed after the restart.
/// </summary>
internal sealed class RunMaintenanceService(RunCoordinator coordinator, DheeServerOptions options, TimeProvider time, ILogger<RunMaintenanceService> logger)
    : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var interrupted = await coordinator.MarkOrphansInterruptedAsync(cancellationToken).ConfigureAwait(false);
        if (interrupted > 0)
        {
            logger.LogInformation("Marked {Count} runs interrupted by the last shutdown; resume them with POST runs/{{id}}/resume.", interrupted);
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await coordinator.ShutdownAsync(cancellationToken).ConfigureAwait(false);
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.PruneInterval, time);
        do
        {
            try
            {
                var pruned = await coordinator.PruneAsync(stoppingToken).ConfigureAwait(false);
                if (pruned > 0)
                {
                    logger.LogInformation("Pruned {Count} finished runs older than {Ttl}.", pruned, options.RunTimeToLive);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Pruning finished runs failed; retrying in {Interval}.", options.PruneInterval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
