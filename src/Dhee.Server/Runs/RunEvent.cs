using System.Text.Json.Nodes;

namespace Dhee.Server.Runs;

/// <summary>
/// One progress event of a run, as stored and streamed: <c>{seq, kind, nodeId?, itemId?, payload, ts}</c>.
/// Sequence numbers start at 1 and grow by one per run, across resumes and server restarts.
/// </summary>
/// <param name="Seq">The sequence number, sent as the Server-Sent Event <c>id</c>.</param>
/// <param name="Kind">The kind, for example <c>node.completed</c>; see <see cref="RunEventKinds"/>.</param>
/// <param name="NodeId">The node the event is about, if any.</param>
/// <param name="ItemId">The collection item the event is about, if any.</param>
/// <param name="Payload">Kind-specific details.</param>
/// <param name="Ts">When the event happened.</param>
public sealed record RunEvent(long Seq, string Kind, string? NodeId, string? ItemId, JsonNode? Payload, DateTimeOffset Ts);
