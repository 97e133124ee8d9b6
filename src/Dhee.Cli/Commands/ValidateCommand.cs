using System.CommandLine;
using Dhee.Bundles;
using Dhee.Cli.Hosting;
using Dhee.Registry;

namespace Dhee.Cli.Commands;

/// <summary><c>dhee validate &lt;bundle&gt;</c>: loads a bundle and reports every problem, structural and runner-related, in one run.</summary>
internal static class ValidateCommand
{
    internal static Command Create() => Create(CliRunners.CreateRegistry);

    internal static Command Create(Func<RunnerRegistry> createRegistry)
    {
        var bundleArgument = new Argument<string>("bundle")
        {
            Description = "A bundle folder (containing bundle.json) or a bundle .json file.",
        };
        var command = new Command("validate", "Check a bundle and list every problem with file, line, JSON path and fix.")
        {
            bundleArgument,
        };
        command.WithExamples("dhee validate samples/bundles/invalid/five-problems", "dhee validate my-bundle/bundle.json --json");
        command.SetHandler(context =>
        {
            var path = context.GetValue(bundleArgument);
            var result = BundleLoader.TryLoad(path);
            var problems = result.Problems.ToList();
            if (result.PartialBundle is { } bundle)
            {
                problems.AddRange(createRegistry().ValidateBundle(bundle));
            }

            var ok = problems.Count == 0;
            if (context.Json)
            {
                context.WriteJson(new
                {
                    ok,
                    bundle = result.SourcePath ?? Path.GetFullPath(path),
                    id = result.PartialBundle?.Id,
                    problemCount = problems.Count,
                    problems = problems.Select(ProblemPrinter.ToJson),
                });
            }
            else if (ok)
            {
                var loaded = result.Bundle!;
                context.Out.WriteLine($"Bundle '{loaded.Id}' {loaded.Version} is valid: {loaded.Nodes.Count} nodes, goal '{loaded.Goal}'.");
            }
            else
            {
                ProblemPrinter.Write(context.Out, problems);
                var noun = problems.Count == 1 ? "problem" : "problems";
                var name = string.IsNullOrEmpty(result.PartialBundle?.Id) ? ProblemPrinter.DisplayPath(result.SourcePath ?? path) : $"'{result.PartialBundle.Id}'";
                context.Out.WriteLine($"Bundle {name} has {problems.Count} {noun}.");
            }

            return Task.FromResult(ok ? ExitCodes.Ok : ExitCodes.Failure);
        });
        return command;
    }
}
