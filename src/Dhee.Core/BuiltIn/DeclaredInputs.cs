using Dhee.Runners;

namespace Dhee.BuiltIn;

/// <summary>The order built-in runners read a node's inputs in.</summary>
internal static class DeclaredInputs
{
    /// <summary>
    /// The names of the inputs present in <see cref="RunnerContext.Inputs"/>, in the order the node declares them; inputs
    /// passed without a declaration (direct runner calls) follow in name order.
    /// </summary>
    /// <param name="context">The runner context.</param>
    /// <returns>The input names, each once.</returns>
    public static IEnumerable<string> Names(RunnerContext context)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var declared in context.Node.Inputs)
        {
            if (context.Inputs.ContainsKey(declared.From) && seen.Add(declared.From))
            {
                yield return declared.From;
            }
        }

        foreach (var key in context.Inputs.Keys.Where(k => !seen.Contains(k)).Order(StringComparer.Ordinal))
        {
            yield return key;
        }
    }
}
