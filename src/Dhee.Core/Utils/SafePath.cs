using System.Diagnostics.CodeAnalysis;

namespace Dhee.Utils;

/// <summary>
/// Resolves untrusted relative paths (from bundles, manifests, plugins and servers) against a root folder
/// and refuses any that would land outside it.
/// </summary>
internal static class SafePath
{
    private static readonly StringComparison PathComparison =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>Explains why <paramref name="relativePath"/> cannot be used under a root, or returns null when it can.</summary>
    public static string? Check(string relativePath)
    {
        if (string.IsNullOrWhiteSpace(relativePath))
        {
            return "the path is empty";
        }

        if (relativePath.Contains('\0', StringComparison.Ordinal))
        {
            return "the path contains a NUL character";
        }

        if (Path.IsPathRooted(relativePath) || relativePath.StartsWith('~') || (relativePath.Length >= 2 && relativePath[1] == ':'))
        {
            return $"'{relativePath}' is absolute; use a path relative to the folder";
        }

        var depth = 0;
        foreach (var segment in relativePath.Split('/', '\\'))
        {
            if (segment == "..")
            {
                depth--;
                if (depth < 0)
                {
                    return $"'{relativePath}' climbs out of the folder with '..'";
                }
            }
            else if (segment.Length > 0 && segment != ".")
            {
                depth++;
            }
        }

        return null;
    }

    /// <summary>
    /// Resolves <paramref name="relativePath"/> under <paramref name="root"/>; fails when the path is absolute,
    /// escapes with <c>..</c>, or passes through a symbolic link that leads outside the root.
    /// </summary>
    public static bool TryResolve(string root, string relativePath, [NotNullWhen(true)] out string? fullPath, [NotNullWhen(false)] out string? error)
    {
        fullPath = null;
        error = Check(relativePath);
        if (error is not null)
        {
            return false;
        }

        var normalizedRoot = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        var candidate = Path.GetFullPath(Path.Combine(normalizedRoot, relativePath));
        if (!IsInside(normalizedRoot, candidate))
        {
            error = $"'{relativePath}' resolves outside '{normalizedRoot}'";
            return false;
        }

        // A link inside the root may still point elsewhere: check the real location of the deepest existing ancestor.
        var existing = candidate;
        while (!Path.Exists(existing))
        {
            var parent = Path.GetDirectoryName(existing);
            if (parent is null || parent.Length < normalizedRoot.Length)
            {
                break;
            }

            existing = parent;
        }

        var real = RealPath(existing);
        var realRoot = RealPath(normalizedRoot);
        if (!IsInside(realRoot, real))
        {
            error = $"'{relativePath}' passes through a link that leads outside '{normalizedRoot}'";
            return false;
        }

        fullPath = candidate;
        return true;
    }

    /// <summary>Resolves like <see cref="TryResolve"/> and throws <see cref="ArgumentException"/> on failure.</summary>
    public static string Resolve(string root, string relativePath)
    {
        if (!TryResolve(root, relativePath, out var full, out var error))
        {
            throw new ArgumentException($"Unsafe path: {error}.", nameof(relativePath));
        }

        return full;
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="root"/> itself or lies below it.</summary>
    public static bool IsInside(string root, string path)
    {
        var r = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        var p = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        return p.Equals(r, PathComparison)
            || (p.StartsWith(r, PathComparison) && (p[r.Length] == Path.DirectorySeparatorChar || p[r.Length] == Path.AltDirectorySeparatorChar));
    }

    private static string RealPath(string path)
    {
        // Resolve every link on the way, segment by segment, so a link in any parent is seen.
        var full = Path.GetFullPath(path);
        var rootPart = Path.GetPathRoot(full) ?? "/";
        var current = rootPart;
        foreach (var segment in full[rootPart.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, segment);
            FileSystemInfo info = Directory.Exists(current) ? new DirectoryInfo(current) : new FileInfo(current);
            if (info.Exists && info.LinkTarget is not null)
            {
                var target = info.ResolveLinkTarget(returnFinalTarget: true);
                if (target is not null)
                {
                    current = Path.GetFullPath(target.FullName);
                }
            }
        }

        return current;
    }
}
