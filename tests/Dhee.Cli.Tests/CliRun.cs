using System.CommandLine;
using Dhee.Cli;
using Dhee.Cli.Hosting;

namespace Dhee.Tests;

/// <summary>Runs the real <c>dhee</c> command tree in-process and captures what it prints.</summary>
internal static class CliRun
{
    /// <summary>Runs the full tool, as <c>Program</c> does.</summary>
    public static Task<CliRunResult> InvokeAsync(params string[] args) => InvokeAsync(Program.CreateCommands(), args);

    /// <summary>Runs the given verbs (for example one built with a test registry).</summary>
    public static async Task<CliRunResult> InvokeAsync(IEnumerable<Command> commands, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await CliHost.InvokeAsync(commands, args, output, error);
        return new CliRunResult(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Finds a file or folder of the repository (the folder holding Dhee.Core.sln).</summary>
    public static string RepoPath(string relative)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Dhee.Core.sln")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("Dhee.Core.sln not found above the test folder."), relative);
    }
}

/// <summary>The exit code and captured output of one in-process <c>dhee</c> run.</summary>
internal sealed record CliRunResult(int ExitCode, string Output, string Error);
