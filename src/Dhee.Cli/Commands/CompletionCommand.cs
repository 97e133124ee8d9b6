using System.CommandLine;
using Dhee.Cli.Hosting;

namespace Dhee.Cli.Commands;

/// <summary>
/// <c>dhee completion &lt;shell&gt;</c>: prints a tab-completion script. The scripts ask the tool itself through
/// System.CommandLine's <c>[suggest:&lt;position&gt;]</c> directive, so completions always match the installed verbs and options.
/// </summary>
internal static class CompletionCommand
{
    private static readonly Dictionary<string, string> Scripts = new(StringComparer.Ordinal)
    {
        ["bash"] = """
            # dhee tab completion for bash. Enable: echo 'source <(dhee completion bash)' >> ~/.bashrc
            _dhee_complete() {
              local IFS=$'\n'
              COMPREPLY=($(dhee "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null))
            }
            complete -o default -F _dhee_complete dhee

            """,
        ["zsh"] = """
            # dhee tab completion for zsh. Enable: echo 'source <(dhee completion zsh)' >> ~/.zshrc
            _dhee_complete() {
              local -a suggestions
              suggestions=("${(@f)$(dhee "[suggest:${CURSOR}]" "${BUFFER}" 2>/dev/null)}")
              compadd -a suggestions
            }
            compdef _dhee_complete dhee

            """,
        ["fish"] = """
            # dhee tab completion for fish. Enable: dhee completion fish > ~/.config/fish/completions/dhee.fish
            complete -c dhee -f -a '(set -l line (commandline -cp); dhee "[suggest:"(string length -- "$line")"]" "$line" 2>/dev/null)'

            """,
        ["pwsh"] = """
            # dhee tab completion for PowerShell. Enable: dhee completion pwsh | Out-String | Invoke-Expression  (add it to $PROFILE)
            Register-ArgumentCompleter -Native -CommandName dhee -ScriptBlock {
                param($wordToComplete, $commandAst, $cursorPosition)
                dhee "[suggest:$cursorPosition]" "$commandAst" 2>$null | ForEach-Object {
                    [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
                }
            }

            """,
    };

    internal static Command Create()
    {
        var shellArgument = new Argument<string>("shell") { Description = "bash, zsh, fish or pwsh." };
        shellArgument.AcceptOnlyFromAmong([.. Scripts.Keys]);
        var command = new Command("completion", "Print a tab-completion script for a shell (completions come from the tool's [suggest] directive).") { shellArgument };
        command.WithExamples(
            "dhee completion bash >> ~/.bashrc",
            "source <(dhee completion zsh)",
            "dhee completion fish > ~/.config/fish/completions/dhee.fish",
            "dhee completion pwsh | Out-String | Invoke-Expression");
        command.SetHandler(context =>
        {
            var shell = context.GetValue(shellArgument);
            var script = Scripts[shell].Replace("\r\n", "\n", StringComparison.Ordinal);
            if (context.Json)
            {
                context.WriteJson(new { shell, script });
            }
            else
            {
                context.Out.Write(script);
            }

            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }
}
