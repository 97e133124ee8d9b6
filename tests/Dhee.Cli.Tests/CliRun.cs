using Dhee.Cli;
using Dhee.Cli.Hosting;

namespace Dhee.Tests;

/// <summary>Runs the real <c>dhee</c> command tree in-process and captures what it prints.</summary>
internal static class CliRun
{
    public static async Task<CliRunResult> InvokeAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await CliHost.InvokeAsync(Program.CreateCommands(), args, output, error);
        return new CliRunResult(exitCode, output.ToString(), error.ToString());
    }
}

/// <summary>The exit code and captured output of one in-process <c>dhee</c> run.</summary>
internal sealed record CliRunResult(int ExitCode, string Output, string Error);
