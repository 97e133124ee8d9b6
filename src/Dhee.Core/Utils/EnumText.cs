namespace Dhee.Utils;

/// <summary>
/// The <see cref="Enum.ToString()"/> text of enum values, looked up without boxing: fingerprints write several per node
/// for every node of a bundle.
/// </summary>
/// <typeparam name="T">The enum type.</typeparam>
internal static class EnumText<T>
    where T : struct, Enum
{
    private static readonly Dictionary<T, string> Names = Build();

    /// <summary>Gets the text of <paramref name="value"/>, exactly what <see cref="Enum.ToString()"/> returns.</summary>
    public static string Of(T value) => Names.TryGetValue(value, out var name) ? name : value.ToString();

    private static Dictionary<T, string> Build()
    {
        var names = new Dictionary<T, string>();
        foreach (var value in Enum.GetValues<T>())
        {
            names.TryAdd(value, value.ToString());
        }

        return names;
    }
}
