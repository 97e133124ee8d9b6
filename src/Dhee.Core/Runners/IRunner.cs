namespace Dhee.Runners;

/// <summary>
/// Executes one node of a bundle. The walker resolves the node's inputs and calls the runner registered
/// under the node's <c>runner.tool</c> id.
/// </summary>
/// <remarks>
/// Return <see cref="RunnerResult.Failure(string, bool)"/> for expected failures instead of throwing: the walker
/// converts exceptions to failures too, but a returned failure keeps its actionable message and its retry semantics.
/// Honour <see cref="RunnerContext.CancellationToken"/> in every wait, request and subprocess.
/// </remarks>
public interface IRunner
{
    /// <summary>Describes the runner for discovery, validation (its config schema) and scheduling.</summary>
    /// <returns>The runner's description; the same instance or an equal one on every call.</returns>
    RunnerDescription Describe();

    /// <summary>Runs the node described by <paramref name="context"/> and writes its output under the project folder.</summary>
    /// <param name="context">The node, its resolved inputs, the project and bundle folders and the cancellation token.</param>
    /// <returns>A success naming the written output, or a failure with an actionable message.</returns>
    ValueTask<RunnerResult> RunAsync(RunnerContext context);
}
