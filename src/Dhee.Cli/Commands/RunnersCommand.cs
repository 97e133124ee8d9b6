using System.CommandLine;
using System.Text.Json;
using Dhee.Cli.Hosting;
using Dhee.Registry;
using Spectre.Console;

namespace Dhee.Cli.Commands;

/// <summary><c>dhee runners</c>: lists the registered runners (built-in and installed plugins).</summary>
internal static class RunnersCommand
{
    internal static Command Create() => Create(CliRunners.CreateRegistry);

    internal static Command Create(Func<RunnerRegistry> createRegistry)
    {
        var command = new Command("runners", "List the runners this installation can use: tool id, version, cost and source.");
        command.WithExamples("dhee runners", "dhee runners --json");
        command.SetHandler(context =>
        {
            var runners = createRegistry().List();
            if (context.Json)
            {
                context.WriteJson(runners.Select(r => new
                {
                    tool = r.Manifest.Tool,
                    version = r.Manifest.Version,
                    displayName = r.Description.DisplayName,
                    description = r.Description.Description,
                    costHint = r.Description.CostHint,
                    source = r.Source,
                    engineCompat = r.Manifest.EngineCompat,
                    credentials = r.Manifest.Credentials,
                    capabilities = r.Description.Capabilities,
                }));
                return Task.FromResult(ExitCodes.Ok);
            }

            if (runners.Count == 0)
            {
                context.Out.WriteLine("No runners are registered. Install runner packages (Dhee.Runner.*) into ~/.kshana/runners or the folder in DHEE_RUNNERS_DIR.");
                return Task.FromResult(ExitCodes.Ok);
            }

            var table = new Table().AddColumns("Tool", "Version", "Cost", "Source", "Description");
            foreach (var r in runners)
            {
                table.AddRow(
                    Markup.Escape(r.Manifest.Tool),
                    Markup.Escape(r.Manifest.Version),
                    Markup.Escape(JsonNamingPolicy.SnakeCaseLower.ConvertName(r.Description.CostHint.ToString())),
                    Markup.Escape(r.Source),
                    Markup.Escape(r.Description.DisplayName));
            }

            context.Console.Write(table);
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }
}
