using Dhee.Server.Runs;

namespace Dhee.Server.Execution;

/// <summary>
/// Executes one run for the server: walks the bundle in the project folder, reports progress through the event sink
/// and returns the result. The server assigns sequence numbers, stores and streams the events, and owns cancellation.
/// </summary>
public interface IRunExecutor
{
    /// <summary>Executes a run.</summary>
    /// <param name="request">What to run and where.</param>
    /// <param name="events">Where to report progress; cheap and non-blocking, callable from any thread.</param>
    /// <param name="cancellationToken">Cancelled when the run is cancelled or the server stops.</param>
    /// <returns>The result. Node failures are data in the result, not exceptions.</returns>
    ValueTask<RunResult> ExecuteAsync(RunExecutionRequest request, IRunEventSink events, CancellationToken cancellationToken);
}
