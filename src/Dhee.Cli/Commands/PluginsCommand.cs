using System.CommandLine;
using Dhee.Cli.Hosting;
using Dhee.Plugins;
using Spectre.Console;

namespace Dhee.Cli.Commands;

/// <summary><c>dhee plugins install|list|remove</c>: manage <c>Dhee.Runner.*</c> runner plugins in the runner roots.</summary>
internal static class PluginsCommand
{
    internal static Command Create()
    {
        var command = new Command("plugins", "Install, list and remove runner plugins (Dhee.Runner.* packages).")
            .WithExamples(
                "dhee plugins install ./Dhee.Runner.Sample.0.1.0.nupkg",
                "dhee plugins list",
                "dhee plugins remove Dhee.Runner.Sample --version 0.1.0");
        command.Subcommands.Add(CreateInstall());
        command.Subcommands.Add(CreateList());
        command.Subcommands.Add(CreateRemove());
        return command;
    }

    private static Option<string?> RunnersDirOption() => new("--runners-dir")
    {
        Description = "Use only this runner root instead of DHEE_RUNNERS_DIR and ~/.kshana/runners.",
    };

    private static RunnerPluginOptions Options(CommandContext context, Option<string?> runnersDir)
    {
        var options = new RunnerPluginOptions();
        if (context.GetValue(runnersDir) is { Length: > 0 } dir)
        {
            options.IncludeDefaultRoots = false;
            options.RunnerRoots.Add(dir);
        }

        return options;
    }

    private static Command CreateInstall()
    {
        var path = new Argument<string>("package") { Description = "A Dhee.Runner.*.nupkg file, or a folder holding runner.json and the plugin's files." };
        var force = new Option<bool>("--force") { Description = "Replace an installed package with the same id and version." };
        var runnersDir = RunnersDirOption();
        var command = new Command("install", "Validate a plugin package and install it (safely and atomically) into the first runner root.") { path, force, runnersDir }
            .WithExamples("dhee plugins install ./Dhee.Runner.Sample.0.1.0.nupkg", "dhee plugins install ./bin/Release/net10.0 --force --runners-dir ./runners");
        command.SetHandler(context =>
        {
            var source = context.GetValue(path);
            if (!File.Exists(source) && !Directory.Exists(source))
            {
                return Task.FromResult(context.Fail($"no plugin package or folder at '{Path.GetFullPath(source)}'", "pass the path of a .nupkg made by 'dotnet pack', or of a plugin folder with runner.json"));
            }

            var result = new PluginInstaller(Options(context, runnersDir)).Install(source, context.GetValue(force));
            var plugin = result.Plugin;
            if (context.Json)
            {
                context.WriteJson(new { ok = true, replaced = result.ReplacedExisting, plugin = Describe(plugin) });
            }
            else
            {
                context.Out.WriteLine($"{(result.ReplacedExisting ? "Replaced" : "Installed")} {plugin.Id} {plugin.Version} in {plugin.Directory}");
                context.Out.WriteLine($"  tools: {string.Join(", ", plugin.Tools)}");
                if (!plugin.IsEngineCompatible)
                {
                    context.Out.WriteLine($"  warning: {plugin.EngineProblem}; it will not be loaded by this engine");
                }

                if (plugin.MissingCredentials.Count > 0)
                {
                    context.Out.WriteLine($"  set these environment variables before running it: {string.Join(", ", plugin.MissingCredentials)}");
                }
            }

            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static Command CreateList()
    {
        var runnersDir = RunnersDirOption();
        var command = new Command("list", "List installed plugins from their manifests (no plugin code is loaded).") { runnersDir }
            .WithExamples("dhee plugins list", "dhee plugins list --json");
        command.SetHandler(context =>
        {
            var catalog = new PluginInstaller(Options(context, runnersDir)).List();
            if (context.Json)
            {
                context.WriteJson(new
                {
                    engine = catalog.EngineVersion.ToNormalizedString(),
                    roots = catalog.Roots,
                    plugins = catalog.Plugins.Select(Describe),
                    problems = catalog.Problems.Select(p => new { file = p.File, path = p.JsonPath, code = p.Code, message = p.Message, fix = p.Fix }),
                });
                return Task.FromResult(ExitCodes.Ok);
            }

            if (catalog.Plugins.Count == 0)
            {
                context.Out.WriteLine($"No runner plugins installed (roots: {string.Join(", ", catalog.Roots)}).");
            }
            else
            {
                var table = new Table().AddColumns("Package", "Version", "Tools", "Engine", "Missing credentials");
                foreach (var plugin in catalog.Plugins)
                {
                    var engine = plugin.IsEngineCompatible ? plugin.Manifest.EngineCompat : $"{plugin.Manifest.EngineCompat} (incompatible with {catalog.EngineVersion.ToNormalizedString()})";
                    table.AddRow(
                        Markup.Escape(plugin.Id),
                        Markup.Escape(plugin.Version.ToNormalizedString()),
                        Markup.Escape(string.Join(", ", plugin.Tools)),
                        Markup.Escape(engine),
                        Markup.Escape(plugin.MissingCredentials.Count == 0 ? "-" : string.Join(", ", plugin.MissingCredentials)));
                }

                context.Console.Write(table);
            }

            foreach (var problem in catalog.Problems)
            {
                context.Error.WriteLine($"problem: {problem}");
            }

            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static Command CreateRemove()
    {
        var id = new Argument<string>("id") { Description = "The package id, for example Dhee.Runner.Sample." };
        var version = new Option<string?>("--version") { Description = "Remove only this version (default: every installed version)." };
        var runnersDir = RunnersDirOption();
        var command = new Command("remove", "Remove an installed plugin package from the runner roots.") { id, version, runnersDir }
            .WithExamples("dhee plugins remove Dhee.Runner.Sample", "dhee plugins remove Dhee.Runner.Sample --version 0.1.0");
        command.SetHandler(context =>
        {
            var packageId = context.GetValue(id);
            if (!PluginManifest.IsValidPackageId(packageId))
            {
                return Task.FromResult(context.Fail($"'{packageId}' is not a plugin package id", $"ids look like '{PluginManifest.PackagePrefix}<Name>'", ExitCodes.Usage));
            }

            var wanted = context.GetValue(version);
            if (wanted is not null && !NuGet.Versioning.SemanticVersion.TryParse(wanted, out _))
            {
                return Task.FromResult(context.Fail($"'{wanted}' is not a semantic version", "use MAJOR.MINOR.PATCH", ExitCodes.Usage));
            }

            var removed = new PluginInstaller(Options(context, runnersDir)).Remove(packageId, wanted);
            if (removed.Count == 0)
            {
                return Task.FromResult(context.Fail($"{packageId}{(wanted is null ? string.Empty : " " + wanted)} is not installed", "see 'dhee plugins list'"));
            }

            if (context.Json)
            {
                context.WriteJson(new { ok = true, removed });
            }
            else
            {
                foreach (var folder in removed)
                {
                    context.Out.WriteLine($"Removed {folder}");
                }
            }

            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static object Describe(InstalledPlugin plugin) => new
    {
        id = plugin.Id,
        version = plugin.Version.ToNormalizedString(),
        directory = plugin.Directory,
        tools = plugin.Tools,
        engineCompat = plugin.Manifest.EngineCompat,
        engineCompatible = plugin.IsEngineCompatible,
        engineProblem = plugin.EngineProblem,
        missingCredentials = plugin.MissingCredentials,
    };
}
