using System.Globalization;

namespace Dhee.Walking;

/// <summary>Keeps overwritten outputs: a file about to be replaced is renamed to <c>&lt;stem&gt;.vN.&lt;ext&gt;</c> (N = highest + 1).</summary>
internal static class OutputVersions
{
    /// <summary>Renames an existing file at <paramref name="fullPath"/> to its next version name; returns that name, or null if there was no file.</summary>
    public static string? Preserve(string fullPath)
    {
        if (!File.Exists(fullPath))
        {
            return null;
        }

        var directory = Path.GetDirectoryName(fullPath)!;
        var stem = Path.GetFileNameWithoutExtension(fullPath);
        var ext = Path.GetExtension(fullPath);
        var next = 1;
        foreach (var file in Directory.EnumerateFiles(directory, $"{stem}.v*{ext}"))
        {
            var name = Path.GetFileName(file);
            var middle = name[(stem.Length + 2)..^ext.Length];
            if (int.TryParse(middle, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= next)
            {
                next = n + 1;
            }
        }

        var target = Path.Combine(directory, $"{stem}.v{next}{ext}");
        File.Move(fullPath, target, overwrite: false);
        return target;
    }
}
