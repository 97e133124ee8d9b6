using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;

namespace Dhee.Inputs;

/// <summary>
/// The resolved inputs of one node instance, keyed by the upstream node id or bundle input id they came from.
/// </summary>
public sealed class RunnerInputs : IReadOnlyDictionary<string, InputValue>
{
    private readonly Dictionary<string, InputValue> _values;

    /// <summary>Initializes a new instance of the <see cref="RunnerInputs"/> class.</summary>
    /// <param name="values">The values keyed by input name.</param>
    public RunnerInputs(IEnumerable<KeyValuePair<string, InputValue>> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        _values = new Dictionary<string, InputValue>(values, StringComparer.Ordinal);
    }

    // Takes ownership of a dictionary the walker built for this instance alone (no copy per node).
    private RunnerInputs(Dictionary<string, InputValue> owned) => _values = owned;

    /// <summary>Wraps a dictionary nothing else will change.</summary>
    internal static RunnerInputs Own(Dictionary<string, InputValue> values) => new(values);

    /// <summary>Gets an empty set of inputs.</summary>
    public static RunnerInputs Empty { get; } = new([]);

    /// <inheritdoc/>
    public InputValue this[string key] => _values.TryGetValue(key, out var value)
        ? value
        : throw new KeyNotFoundException($"The node has no input named '{key}'. Inputs present: {(_values.Count == 0 ? "none" : string.Join(", ", _values.Keys))}.");

    /// <inheritdoc/>
    public IEnumerable<string> Keys => _values.Keys;

    /// <inheritdoc/>
    public IEnumerable<InputValue> Values => _values.Values;

    /// <inheritdoc/>
    public int Count => _values.Count;

    /// <inheritdoc/>
    public bool ContainsKey(string key) => _values.ContainsKey(key);

    /// <inheritdoc/>
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out InputValue value) => _values.TryGetValue(key, out value);

    /// <summary>Gets the text form of an input (<see cref="InputValue.ToText"/>), or null when absent.</summary>
    /// <param name="key">The input name.</param>
    /// <returns>The text, or null.</returns>
    public string? GetText(string key) => _values.TryGetValue(key, out var value) ? value.ToText() : null;

    /// <summary>Renders every input as one JSON object (files as paths), for templates and cache keys.</summary>
    /// <returns>A new JSON object.</returns>
    public JsonObject ToJson()
    {
        var obj = new JsonObject();
        foreach (var (key, value) in _values.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            obj[key] = value.ToJson();
        }

        return obj;
    }

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, InputValue>> GetEnumerator() => _values.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
