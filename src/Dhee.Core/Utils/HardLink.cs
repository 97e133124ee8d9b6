using System.Runtime.InteropServices;

namespace Dhee.Utils;

/// <summary>Creates hard links (the BCL has no API for them).</summary>
internal static class HardLink
{
    /// <summary>Links <paramref name="newPath"/> to the file at <paramref name="existingPath"/>; false when the file system refuses (different device, no support).</summary>
    public static bool TryCreate(string existingPath, string newPath)
    {
        try
        {
            return OperatingSystem.IsWindows()
                ? CreateHardLinkW(newPath, existingPath, IntPtr.Zero)
                : link(existingPath, newPath) == 0;
        }
        catch (DllNotFoundException)
        {
            return false;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int link([MarshalAs(UnmanagedType.LPUTF8Str)] string existing, [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath);

    [DllImport("kernel32.dll", EntryPoint = "CreateHardLinkW", SetLastError = true, CharSet = CharSet.Unicode)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static extern bool CreateHardLinkW(string newPath, string existing, IntPtr securityAttributes);
}
