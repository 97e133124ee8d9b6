namespace Dhee.Cli.Hosting;

/// <summary>The process exit codes every verb uses.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Ok = 0;

    /// <summary>The input was invalid or the work failed.</summary>
    public const int Failure = 1;

    /// <summary>The command line itself was wrong (unknown verb, missing argument, bad option value).</summary>
    public const int Usage = 2;

    /// <summary>The user cancelled (Ctrl+C, SIGTERM).</summary>
    public const int Cancelled = 130;
}
