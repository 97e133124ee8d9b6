using System.CommandLine;
using System.Runtime.CompilerServices;

namespace Dhee.Cli.Hosting;

/// <summary>Example invocations attached to commands and printed in an "Examples:" help section.</summary>
internal static class CommandExamples
{
    private static readonly ConditionalWeakTable<Command, string[]> Table = [];

    /// <summary>Attaches example command lines (each a full line such as <c>dhee validate ./bundle</c>) to a command.</summary>
    public static TCommand WithExamples<TCommand>(this TCommand command, params string[] examples)
        where TCommand : Command
    {
        Table.AddOrUpdate(command, examples);
        return command;
    }

    /// <summary>Gets the examples attached to a command, or none.</summary>
    public static IReadOnlyList<string> Get(Command command) => Table.TryGetValue(command, out var examples) ? examples : [];
}
