namespace Dhee.BuiltIn.Llm;

/// <summary>What a model costs, for <c>costUsd</c> when the provider does not report a cost itself.</summary>
/// <param name="InputPerMillionTokens">US dollars per million prompt tokens.</param>
/// <param name="OutputPerMillionTokens">US dollars per million completion tokens.</param>
public sealed record LlmPrice(decimal InputPerMillionTokens, decimal OutputPerMillionTokens);
