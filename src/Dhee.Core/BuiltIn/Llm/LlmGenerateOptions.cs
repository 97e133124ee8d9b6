using Microsoft.Extensions.AI;

namespace Dhee.BuiltIn.Llm;

/// <summary>Host settings of the <c>llm.generate</c> runner: model routing, prices and transient retries.</summary>
public sealed class LlmGenerateOptions
{
    /// <summary>Gets or sets the model used when a node names no model, purpose or tier (null: the chat client's default).</summary>
    public string? DefaultModel { get; set; }

    /// <summary>Gets the model for each tier (<c>heavy</c>, <c>medium</c>, <c>light</c>) used by nodes that set <c>tier</c>.</summary>
    public IDictionary<string, string> TierModels { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets the model for each purpose (for example <c>content.story</c>) used by nodes that set <c>purpose</c>; a purpose wins over a tier.</summary>
    public IDictionary<string, string> PurposeModels { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets prices by model id, used for <c>costUsd</c> when the provider reports no cost.</summary>
    public IDictionary<string, LlmPrice> Prices { get; } = new Dictionary<string, LlmPrice>(StringComparer.Ordinal);

    /// <summary>Gets or sets how many times a transient failure (429, 5xx, dropped connection, timeout) is retried per attempt.</summary>
    /// <value>The default value is 3.</value>
    public int TransientRetries { get; set; } = 3;

    /// <summary>Gets or sets the first backoff delay after a transient failure; it doubles on each retry.</summary>
    /// <value>The default value is 1 second.</value>
    public TimeSpan TransientBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Gets or sets the chat client used when the host's services register no <see cref="IChatClient"/>; null to build an
    /// <see cref="OpenAICompatibleChatClient"/> from <see cref="OpenAICompatibleChatClientOptions.FromEnvironment"/>.
    /// </summary>
    public IChatClient? FallbackChatClient { get; set; }
}
