namespace Dhee.Comfy;

/// <summary>A runtime failure of a prompt (<c>execution_error</c>).</summary>
/// <param name="NodeId">The failing node.</param>
/// <param name="NodeType">Its class.</param>
/// <param name="ExceptionType">The Python exception type.</param>
/// <param name="ExceptionMessage">The exception message.</param>
/// <param name="Traceback">The server's traceback lines.</param>
public sealed record ComfyExecutionError(string NodeId, string NodeType, string ExceptionType, string ExceptionMessage, IReadOnlyList<string> Traceback)
{
    /// <inheritdoc/>
    public override string ToString() => $"node {NodeId} ({NodeType}) failed: {ExceptionType}: {ExceptionMessage}";
}
