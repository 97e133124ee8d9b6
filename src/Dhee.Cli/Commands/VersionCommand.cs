using System.CommandLine;
using Dhee.Cli.Hosting;

namespace Dhee.Cli.Commands;

/// <summary><c>dhee version</c>: prints the engine version that plugins' <c>engineCompat</c> ranges are checked against.</summary>
internal static class VersionCommand
{
    internal static Command Create()
    {
        var command = new Command("version", "Print the Dhee engine version.")
            .WithExamples("dhee version", "dhee version --json");
        command.SetHandler(context =>
        {
            var version = DheeEngine.Version.ToNormalizedString();
            if (context.Json)
            {
                context.WriteJson(new { version });
            }
            else
            {
                context.Out.WriteLine(version);
            }

            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }
}
