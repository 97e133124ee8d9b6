using System.Text.Json;
using System.Text.Json.Serialization;
using Dhee.Walking;

namespace Dhee.State;

/// <summary>
/// Source-generated JSON for <c>events.jsonl</c> lines (camelCase names and kinds, nulls left out): a walk writes one per
/// event, several per instance, so reflection-based serialization was a measurable share of a walk.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(CamelCaseKindConverter)])]
[JsonSerializable(typeof(WalkEvent))]
internal sealed partial class WalkEventJsonContext : JsonSerializerContext
{
    /// <summary>Writes <see cref="WalkEventKind"/> values as camelCase strings, as the event log always has.</summary>
    internal sealed class CamelCaseKindConverter() : JsonStringEnumConverter<WalkEventKind>(JsonNamingPolicy.CamelCase);
}
