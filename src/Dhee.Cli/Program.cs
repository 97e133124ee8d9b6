using System.CommandLine;
using Dhee.Cli.Commands;
using Dhee.Cli.Hosting;

namespace Dhee.Cli;

/// <summary>The entry point of the <c>dhee</c> tool: the list of verbs and nothing else.</summary>
internal static class Program
{
    /// <summary>Creates every verb of the tool. Add a verb here, one line, kept in alphabetical order.</summary>
    internal static IEnumerable<Command> CreateCommands() =>
    [
        CacheCommand.Create(),
        ComfyCommand.Create(),
        CompletionCommand.Create(),
        GraphCommand.Create(),
        InspectCommand.Create(),
        InvalidateCommand.Create(),
        NodesCommand.Create(),
        PlanCommand.Create(),
        PluginsCommand.Create(),
        RunCommand.Create(),
        RunnersCommand.Create(),
        StatusCommand.Create(),
        StopCommand.Create(),
        ValidateCommand.Create(),
        VersionCommand.Create(),
    ];

    public static Task<int> Main(string[] args) => CliHost.InvokeAsync(CreateCommands(), args);
}
