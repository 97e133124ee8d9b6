using System.CommandLine;
using System.CommandLine.Invocation;

namespace Dhee.Cli.Hosting;

/// <summary>Prints the standard help, then an "Examples:" section from <see cref="CommandExamples"/>.</summary>
internal sealed class HelpWithExamplesAction(CommandLineAction standardHelp) : SynchronousCommandLineAction
{
    /// <inheritdoc/>
    public override bool ClearsParseErrors => true;

    /// <inheritdoc/>
    public override int Invoke(ParseResult parseResult)
    {
        var exitCode = standardHelp is SynchronousCommandLineAction sync ? sync.Invoke(parseResult) : 0;
        var command = parseResult.CommandResult.Command;
        var lines = new List<string>(CommandExamples.Get(command));
        if (command is RootCommand)
        {
            foreach (var sub in command.Subcommands)
            {
                lines.AddRange(CommandExamples.Get(sub).Take(1));
            }
        }

        if (lines.Count > 0)
        {
            var output = parseResult.InvocationConfiguration.Output;
            output.WriteLine("Examples:");
            foreach (var line in lines)
            {
                output.WriteLine("  " + line);
            }

            output.WriteLine();
        }

        return exitCode;
    }
}
