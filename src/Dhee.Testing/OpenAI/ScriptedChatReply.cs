namespace Dhee.Testing.OpenAI;

/// <summary>One scripted answer of <see cref="LoopbackOpenAIServer"/> to one <c>/chat/completions</c> request.</summary>
public sealed record ScriptedChatReply
{
    /// <summary>Gets the assistant message content returned on success.</summary>
    public string Content { get; init; } = string.Empty;

    /// <summary>Gets the HTTP status; anything but 200 returns an OpenAI-style error body with <see cref="ErrorMessage"/>.</summary>
    /// <value>The default value is 200.</value>
    public int StatusCode { get; init; } = 200;

    /// <summary>Gets the error message for non-200 replies.</summary>
    public string ErrorMessage { get; init; } = "scripted error";

    /// <summary>Gets how long to wait before answering (the wait ends early when the client disconnects).</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Gets the prompt token count reported in <c>usage</c>.</summary>
    /// <value>The default value is 10.</value>
    public int PromptTokens { get; init; } = 10;

    /// <summary>Gets the completion token count reported in <c>usage</c>.</summary>
    /// <value>The default value is 5.</value>
    public int CompletionTokens { get; init; } = 5;

    /// <summary>Gets a provider cost to report as <c>usage.cost</c> (as OpenRouter does), or null for none.</summary>
    public decimal? CostUsd { get; init; }

    /// <summary>
    /// Gets a value indicating whether a request asking for <c>response_format.type = json_schema</c> is rejected with 400
    /// (as providers without structured outputs do) instead of being answered; other requests get <see cref="Content"/>.
    /// </summary>
    public bool RejectJsonSchema { get; init; }

    /// <summary>A successful answer.</summary>
    /// <param name="content">The assistant message.</param>
    /// <returns>The reply.</returns>
    public static ScriptedChatReply Text(string content) => new() { Content = content };

    /// <summary>An error status with an OpenAI-style error body.</summary>
    /// <param name="statusCode">The status, for example 429 or 503.</param>
    /// <param name="message">The error message.</param>
    /// <returns>The reply.</returns>
    public static ScriptedChatReply Error(int statusCode, string message = "scripted error") => new() { StatusCode = statusCode, ErrorMessage = message };
}
