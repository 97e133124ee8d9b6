using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using Dhee.Errors;

namespace Dhee.Cli.Hosting;

/// <summary>Builds the root command, runs it, and maps outcomes to <see cref="ExitCodes"/>.</summary>
internal static class CliHost
{
    /// <summary>The name of the <c>--json</c> option every verb inherits from the root.</summary>
    public const string JsonOptionName = "--json";

    /// <summary>Builds the root command with the given verbs, the recursive <c>--json</c> option and example-aware help.</summary>
    public static RootCommand BuildRoot(IEnumerable<Command> commands)
    {
        var root = new RootCommand("Dhee: run generative-media pipelines (bundles) as DAGs of runners.");
        root.Options.Add(new Option<bool>(JsonOptionName)
        {
            Description = "Write machine-readable JSON to standard output.",
            Recursive = true,
        });
        foreach (var command in commands)
        {
            root.Subcommands.Add(command);
        }

        foreach (var option in root.Options)
        {
            if (option is HelpOption help && help.Action is { } standardHelp)
            {
                help.Action = new HelpWithExamplesAction(standardHelp);
            }
        }

        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>; output goes to the given writers (the console when null).</summary>
    /// <returns>The exit code: 0 ok, 1 failure, 2 usage error, 130 cancelled.</returns>
    public static async Task<int> InvokeAsync(
        IEnumerable<Command> commands,
        string[] args,
        TextWriter? output = null,
        TextWriter? error = null,
        CancellationToken cancellationToken = default)
    {
        var root = BuildRoot(commands);
        var parseResult = root.Parse(args);
        var configuration = new InvocationConfiguration
        {
            Output = output ?? Console.Out,
            Error = error ?? Console.Error,
            EnableDefaultExceptionHandler = false,
        };

        if (parseResult.Errors.Count > 0 && parseResult.Action is ParseErrorAction)
        {
            await parseResult.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        try
        {
            return await parseResult.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            configuration.Error.WriteLine("cancelled");
            return ExitCodes.Cancelled;
        }
    }

    /// <summary>Sets <paramref name="handler"/> as the command's action, with the standard error and cancellation handling.</summary>
    public static void SetHandler(this Command command, Func<CommandContext, Task<int>> handler)
    {
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var context = new CommandContext(parseResult, cancellationToken);
            try
            {
                return await handler(context).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return context.Fail("cancelled", exitCode: ExitCodes.Cancelled);
            }
            catch (DheeException ex)
            {
                return context.Fail(ex.Message);
            }
        });
    }
}
