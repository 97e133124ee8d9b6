using System.Text;

namespace Dhee.State;

/// <summary>
/// Hands out one string per distinct value while a journal loads: types, keys, node and tool ids, stamps and dependency
/// keys repeat across thousands of records, and every record stays in memory for the whole walk, so duplicates would be
/// copied through each garbage collection of a large walk.
/// </summary>
internal sealed class JournalStringPool
{
    private const int StackLimit = 256;
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);

    /// <summary>Gets the string of a UTF-8 value, reusing an earlier equal one.</summary>
    public string Get(ReadOnlySpan<byte> utf8)
    {
        var longValue = utf8.Length > StackLimit ? new char[Encoding.UTF8.GetMaxCharCount(utf8.Length)] : null;
        Span<char> chars = longValue ?? stackalloc char[StackLimit];
        chars = chars[..Encoding.UTF8.GetChars(utf8, chars)];
        var lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(chars, out var known))
        {
            return known;
        }

        var made = new string(chars);
        _strings[made] = made;
        return made;
    }
}
