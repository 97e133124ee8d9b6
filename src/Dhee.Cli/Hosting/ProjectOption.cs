using System.CommandLine;

namespace Dhee.Cli.Hosting;

/// <summary>The <c>--project</c> option of the verbs that inspect or control a project's walk state.</summary>
internal static class ProjectOption
{
    /// <summary>Creates the option; it defaults to the current folder.</summary>
    public static Option<string> Create() => new("--project", "-p")
    {
        Description = "The project folder (default: the current folder).",
        DefaultValueFactory = _ => ".",
    };

    /// <summary>Reads the option as an absolute path and checks the folder exists.</summary>
    public static string Resolve(CommandContext context, Option<string> option)
    {
        var path = Path.GetFullPath(context.GetValue(option) ?? ".");
        if (!Directory.Exists(path))
        {
            throw new Errors.DheeConfigurationException($"project folder '{path}' does not exist; pass --project <folder> of a walked project");
        }

        return path;
    }
}
