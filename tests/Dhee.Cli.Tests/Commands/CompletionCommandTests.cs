using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Dhee.Cli;
using Dhee.Cli.Hosting;

namespace Dhee.Tests.Commands;

public sealed class CompletionCommandTests
{
    [Fact]
    public async Task SuggestDirective_PartialVerb_ListsMatchingVerbs()
    {
        var result = await CliRun.InvokeAsync("[suggest:7]", "dhee ru");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Equal(["run", "runners"], result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact]
    public async Task Completion_BashScriptSourcedInRealBash_CompletesVerbsAndSubcommands()
    {
        var script = await CliRun.InvokeAsync("completion", "bash");
        Assert.Equal(ExitCodes.Ok, script.ExitCode);
        var file = Path.Combine(Path.GetTempPath(), $"dhee-completion-{Guid.NewGuid():N}.bash");
        await File.WriteAllTextAsync(file, script.Output);
        try
        {
            var dll = Path.Combine(AppContext.BaseDirectory, "dhee.dll");
            var probe = $$"""
                dhee() { dotnet '{{dll}}' "$@"; }
                source '{{file}}'
                COMP_LINE='dhee cache g'; COMP_POINT=${#COMP_LINE}; _dhee_complete; echo "cache:${COMPREPLY[*]}"
                COMP_LINE='dhee pl'; COMP_POINT=${#COMP_LINE}; _dhee_complete; echo "verbs:${COMPREPLY[*]}"
                """;
            var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add(probe);
            using var bash = Process.Start(info)!;
            var output = await bash.StandardOutput.ReadToEndAsync();
            var error = await bash.StandardError.ReadToEndAsync();
            await bash.WaitForExitAsync();

            Assert.True(bash.ExitCode == 0, error);
            Assert.Contains("cache:gc", output, StringComparison.Ordinal);
            Assert.Contains("verbs:plan plugins", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("zsh", "compdef _dhee_complete dhee")]
    [InlineData("fish", "complete -c dhee")]
    [InlineData("pwsh", "Register-ArgumentCompleter -Native -CommandName dhee")]
    public async Task Completion_WithJson_ReturnsShellAndScript(string shell, string expected)
    {
        var result = await CliRun.InvokeAsync("completion", shell, "--json");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        using var doc = JsonDocument.Parse(result.Output);
        Assert.Equal(shell, doc.RootElement.GetProperty("shell").GetString());
        Assert.Contains(expected, doc.RootElement.GetProperty("script").GetString(), StringComparison.Ordinal);
        Assert.Contains("[suggest:", doc.RootElement.GetProperty("script").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Completion_UnknownShell_ExitsWithUsageError()
    {
        var result = await CliRun.InvokeAsync("completion", "tcsh");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
    }

    [Fact]
    public async Task Help_EveryCommand_ShowsJsonOptionAndExamples()
    {
        var missing = new List<string>();
        foreach (var (path, command) in Leaves(Program.CreateCommands(), "dhee"))
        {
            var help = await CliRun.InvokeAsync([.. path.Split(' ').Skip(1), "--help"]);
            if (help.ExitCode != ExitCodes.Ok || !help.Output.Contains("--json", StringComparison.Ordinal)
                || !help.Output.Contains("Examples:", StringComparison.Ordinal) || CommandExamples.Get(command).Count == 0)
            {
                missing.Add(path);
            }
        }

        Assert.True(missing.Count == 0, "without --json or examples in --help: " + string.Join(", ", missing));
    }

    private static IEnumerable<(string Path, Command Command)> Leaves(IEnumerable<Command> commands, string prefix)
    {
        foreach (var command in commands)
        {
            var path = prefix + " " + command.Name;
            if (command.Subcommands.Count == 0)
            {
                yield return (path, command);
            }
            else
            {
                foreach (var leaf in Leaves(command.Subcommands, path))
                {
                    yield return leaf;
                }
            }
        }
    }
}
