using System.Text.Json.Nodes;

namespace Dhee.Testing.OpenAI;

/// <summary>A request <see cref="LoopbackOpenAIServer"/> received.</summary>
/// <param name="Body">The JSON body (model, messages, response_format, …).</param>
/// <param name="Authorization">The <c>Authorization</c> header, or empty.</param>
public sealed record RecordedChatRequest(JsonObject Body, string Authorization)
{
    /// <summary>Gets the messages as (role, content) pairs.</summary>
    public IReadOnlyList<(string Role, string Content)> Messages =>
        [.. (Body["messages"] as JsonArray ?? []).OfType<JsonObject>().Select(m => (m["role"]?.ToString() ?? string.Empty, m["content"]?.ToString() ?? string.Empty))];

    /// <summary>Gets the requested <c>response_format.type</c>, or null.</summary>
    public string? ResponseFormatType => Body["response_format"]?["type"]?.ToString();
}
