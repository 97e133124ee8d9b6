namespace Dhee.Comfy;

/// <summary>One validation error of one node, as ComfyUI reports it in <c>node_errors</c> (or as the client's own pre-submit validation finds it).</summary>
/// <param name="NodeId">The node id in the API workflow.</param>
/// <param name="ClassType">The node's class.</param>
/// <param name="Type">The error type (<c>value_not_in_list</c>, <c>required_input_missing</c>, …).</param>
/// <param name="Message">The server's message.</param>
/// <param name="Details">The server's details.</param>
/// <param name="InputName">The input concerned, when known.</param>
/// <param name="ReceivedValue">The value received, when known.</param>
/// <param name="Hint">What to do about it, when the client can tell.</param>
public sealed record ComfyNodeError(
    string NodeId,
    string? ClassType,
    string Type,
    string Message,
    string? Details = null,
    string? InputName = null,
    string? ReceivedValue = null,
    string? Hint = null)
{
    /// <inheritdoc/>
    public override string ToString()
    {
        var where = ClassType is null ? $"node {NodeId}" : $"node {NodeId} ({ClassType})";
        var input = InputName is null ? string.Empty : $" input '{InputName}'";
        var details = string.IsNullOrEmpty(Details) ? string.Empty : $": {Details}";
        var hint = Hint is null ? string.Empty : $" — {Hint}";
        return $"{where}{input}: {Type}: {Message}{details}{hint}";
    }
}
