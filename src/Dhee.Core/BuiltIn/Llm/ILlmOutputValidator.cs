using System.Text.Json.Nodes;
using Dhee.Runners;

namespace Dhee.BuiltIn.Llm;

/// <summary>
/// A host-registered check of <c>llm.generate</c> output, named by a node's <c>validateWith</c>. Register implementations
/// in the host's services (<c>services.AddSingleton&lt;ILlmOutputValidator, MyValidator&gt;()</c>). Complaints are sent back
/// to the model for a corrected answer, like schema violations.
/// </summary>
public interface ILlmOutputValidator
{
    /// <summary>Gets the name nodes use in <c>validateWith</c>.</summary>
    string Name { get; }

    /// <summary>Checks one answer.</summary>
    /// <param name="output">The parsed JSON (for <c>json</c> output), or null for Markdown.</param>
    /// <param name="text">The answer text (fences removed for JSON).</param>
    /// <param name="context">The node being run (its id, item id, inputs and config).</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>Every complaint, each a sentence the model can act on; empty when the answer is acceptable.</returns>
    ValueTask<IReadOnlyList<string>> ValidateAsync(JsonNode? output, string text, RunnerContext context, CancellationToken cancellationToken);
}
