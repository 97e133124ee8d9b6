using System.Text.Json.Serialization;

namespace Dhee.State;

/// <summary>Source-generated (reflection-free, allocation-light) JSON for journal lines: every walk reads and writes one per instance.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault)]
[JsonSerializable(typeof(JournalRecord))]
internal sealed partial class JournalJsonContext : JsonSerializerContext;
