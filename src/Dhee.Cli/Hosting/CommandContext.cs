using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace Dhee.Cli.Hosting;

/// <summary>What a verb's handler gets: the parse result, where to write, whether <c>--json</c> was asked, and cancellation.</summary>
internal sealed class CommandContext
{
    /// <summary>The serializer settings of every <c>--json</c> output: camelCase, indented, enums as camelCase strings.</summary>
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    private IAnsiConsole? _console;

    public CommandContext(ParseResult parseResult, CancellationToken cancellationToken)
    {
        ParseResult = parseResult;
        CancellationToken = cancellationToken;
        Out = parseResult.InvocationConfiguration.Output;
        Error = parseResult.InvocationConfiguration.Error;
        Json = parseResult.GetValue<bool>(CliHost.JsonOptionName);
    }

    /// <summary>Gets the parse result, to read the verb's arguments and options.</summary>
    public ParseResult ParseResult { get; }

    /// <summary>Gets the token that is cancelled on Ctrl+C or SIGTERM.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Gets standard output.</summary>
    public TextWriter Out { get; }

    /// <summary>Gets standard error.</summary>
    public TextWriter Error { get; }

    /// <summary>Gets a value indicating whether the user asked for machine-readable JSON on standard output.</summary>
    public bool Json { get; }

    /// <summary>Gets a Spectre console over <see cref="Out"/> for tables and markup (colours only on a real terminal).</summary>
    public IAnsiConsole Console => _console ??= CreateConsole(Out);

    /// <summary>Reads a required argument or option value.</summary>
    public T GetValue<T>(Argument<T> argument) => ParseResult.GetRequiredValue(argument);

    /// <summary>Reads an option value, or its default.</summary>
    public T? GetValue<T>(Option<T> option) => ParseResult.GetValue(option);

    /// <summary>Writes <paramref name="value"/> as indented JSON to standard output.</summary>
    public void WriteJson<T>(T value) => Out.WriteLine(JsonSerializer.Serialize(value, JsonOptions));

    /// <summary>Reports a failure (as <c>{"ok":false,"error":…}</c> under <c>--json</c>, else on standard error) and returns the exit code.</summary>
    /// <param name="message">What went wrong, naming the file, field or input.</param>
    /// <param name="fix">How to fix it, if known.</param>
    /// <param name="exitCode">The exit code to return.</param>
    /// <returns><paramref name="exitCode"/>.</returns>
    public int Fail(string message, string? fix = null, int exitCode = ExitCodes.Failure)
    {
        if (Json)
        {
            WriteJson(new { ok = false, error = new { message, fix } });
        }
        else
        {
            Error.WriteLine($"error: {message}");
            if (fix is not null)
            {
                Error.WriteLine($"fix: {fix}");
            }
        }

        return exitCode;
    }

    private static IAnsiConsole CreateConsole(TextWriter writer)
    {
        var isTerminal = ReferenceEquals(writer, System.Console.Out) && !System.Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = isTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = isTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = isTerminal ? InteractionSupport.Detect : InteractionSupport.No,
        });

        // Redirected output has no terminal width; tables would wrap at 80 columns and break words.
        if (!isTerminal)
        {
            console.Profile.Width = 200;
        }

        return console;
    }
}
