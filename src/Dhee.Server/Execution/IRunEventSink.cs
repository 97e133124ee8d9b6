using System.Text.Json.Nodes;

namespace Dhee.Server.Execution;

/// <summary>Receives a run's progress events. The server numbers, stores and streams them in the order they arrive.</summary>
public interface IRunEventSink
{
    /// <summary>Reports one event.</summary>
    /// <param name="kind">The event kind, for example <c>node.completed</c> (see <see cref="Runs.RunEventKinds"/>).</param>
    /// <param name="nodeId">The node the event is about, if any.</param>
    /// <param name="itemId">The collection item the event is about, if any.</param>
    /// <param name="payload">Kind-specific details.</param>
    void Emit(string kind, string? nodeId = null, string? itemId = null, JsonNode? payload = null);
}
