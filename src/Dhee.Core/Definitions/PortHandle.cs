using System.Globalization;

namespace Dhee.Definitions;

/// <summary>Parses and formats input handles: <c>port</c> for a plain port, <c>port[index]</c> for a slot of a list port.</summary>
internal static class PortHandle
{
    public static string Format(string portKey, int index) => string.Create(CultureInfo.InvariantCulture, $"{portKey}[{index}]");

    /// <summary>Splits a handle into its port key and, for list handles, its index (null for plain ports).</summary>
    public static bool TryParse(string handle, out string portKey, out int? index)
    {
        portKey = handle;
        index = null;
        if (string.IsNullOrWhiteSpace(handle))
        {
            return false;
        }

        var open = handle.IndexOf('[', StringComparison.Ordinal);
        if (open < 0)
        {
            return !handle.Contains(']', StringComparison.Ordinal);
        }

        if (open == 0 || !handle.EndsWith(']')
            || !int.TryParse(handle.AsSpan(open + 1, handle.Length - open - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
        {
            return false;
        }

        portKey = handle[..open];
        index = parsed;
        return true;
    }
}
