using Dhee.Errors;

namespace Dhee.BuiltIn.Llm;

/// <summary>
/// Settings of <see cref="OpenAICompatibleChatClient"/>: any server speaking OpenAI's <c>/chat/completions</c>
/// (OpenAI, OpenRouter, LM Studio, Ollama, vLLM, …).
/// </summary>
public sealed class OpenAICompatibleChatClientOptions
{
    /// <summary>The environment variable read by <see cref="FromEnvironment"/> for the endpoint.</summary>
    public const string EndpointVariable = "DHEE_LLM_ENDPOINT";

    /// <summary>The environment variable read by <see cref="FromEnvironment"/> for the default model.</summary>
    public const string ModelVariable = "DHEE_LLM_MODEL";

    /// <summary>The environment variable read by <see cref="FromEnvironment"/> for the NAME of the variable holding the API key.</summary>
    public const string ApiKeyVariableVariable = "DHEE_LLM_API_KEY_ENV";

    /// <summary>Gets or sets the API base URL, including the version segment, for example <c>https://openrouter.ai/api/v1</c> or <c>http://localhost:1234/v1</c>.</summary>
    /// <value>The default value is <c>https://api.openai.com/v1</c>.</value>
    public Uri Endpoint { get; set; } = new("https://api.openai.com/v1");

    /// <summary>
    /// Gets or sets the name of the environment variable that holds the API key (the key itself is never stored in
    /// options or logged). Unset or empty variable: no <c>Authorization</c> header (local servers).
    /// </summary>
    /// <value>The default value is <c>OPENAI_API_KEY</c>.</value>
    public string? ApiKeyEnvironmentVariable { get; set; } = "OPENAI_API_KEY";

    /// <summary>Gets or sets the model used when a request names none.</summary>
    public string? Model { get; set; }

    /// <summary>Gets or sets how long one request may take.</summary>
    /// <value>The default value is 5 minutes.</value>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Reads <c>DHEE_LLM_ENDPOINT</c>, <c>DHEE_LLM_MODEL</c> and <c>DHEE_LLM_API_KEY_ENV</c>; returns null when neither the
    /// endpoint nor the model is set (no LLM configured).
    /// </summary>
    /// <returns>The options, or null.</returns>
    /// <exception cref="DheeConfigurationException"><c>DHEE_LLM_ENDPOINT</c> is not an http(s) URL.</exception>
    public static OpenAICompatibleChatClientOptions? FromEnvironment()
    {
        var endpoint = Environment.GetEnvironmentVariable(EndpointVariable)?.Trim();
        var model = Environment.GetEnvironmentVariable(ModelVariable)?.Trim();
        if (string.IsNullOrEmpty(endpoint) && string.IsNullOrEmpty(model))
        {
            return null;
        }

        var options = new OpenAICompatibleChatClientOptions { Model = string.IsNullOrEmpty(model) ? null : model };
        if (!string.IsNullOrEmpty(endpoint))
        {
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw new DheeConfigurationException($"{EndpointVariable} is '{Utils.UrlRedaction.ForDisplay(endpoint)}', which is not an http(s) URL; set it to the API base, such as https://api.openai.com/v1 or http://localhost:1234/v1.");
            }

            options.Endpoint = uri;
        }

        var keyVariable = Environment.GetEnvironmentVariable(ApiKeyVariableVariable)?.Trim();
        if (!string.IsNullOrEmpty(keyVariable))
        {
            options.ApiKeyEnvironmentVariable = keyVariable;
        }

        return options;
    }
}
