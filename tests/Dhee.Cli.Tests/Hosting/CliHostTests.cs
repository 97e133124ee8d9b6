using System.CommandLine;
using System.Text.Json;
using Dhee.Cli.Hosting;
using Dhee.Errors;

namespace Dhee.Tests.Hosting;

public class CliHostTests
{
    [Fact]
    public async Task Help_AtRoot_ListsVerbsAndExamples()
    {
        var result = await CliRun.InvokeAsync("--help");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("validate", result.Output, StringComparison.Ordinal);
        Assert.Contains("runners", result.Output, StringComparison.Ordinal);
        Assert.Contains("dhee validate samples/bundles/invalid/five-problems", result.Output, StringComparison.Ordinal);
        Assert.Contains("Examples:", result.Output, StringComparison.Ordinal);
        Assert.Contains("dhee version", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_UnknownVerb_ExitsWithUsageError()
    {
        var result = await CliRun.InvokeAsync("no-such-verb");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("no-such-verb", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_WithJson_PrintsParsableVersion()
    {
        var result = await CliRun.InvokeAsync("version", "--json");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        using var doc = JsonDocument.Parse(result.Output);
        Assert.Equal(DheeEngine.Version.ToNormalizedString(), doc.RootElement.GetProperty("version").GetString());
    }

    [Fact]
    public async Task Invoke_CancelledWhileRunning_ExitsWith130()
    {
        var started = new TaskCompletionSource();
        var hang = new Command("hang", "Waits until cancelled.");
        hang.SetHandler(async context =>
        {
            started.SetResult();
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
            return ExitCodes.Ok;
        });
        using var cts = new CancellationTokenSource();
        using var output = new StringWriter();
        using var error = new StringWriter();

        var run = CliHost.InvokeAsync([hang], ["hang"], output, error, cts.Token);
        await started.Task;
        await cts.CancelAsync();

        Assert.Equal(ExitCodes.Cancelled, await run);
        Assert.Contains("cancelled", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_HandlerThrowsDheeException_ExitsOneWithMessageNotStackTrace()
    {
        static Command Fail()
        {
            var fail = new Command("fail", "Fails.");
            fail.SetHandler(_ => throw new DheeConfigurationException("Setting 'X' is wrong. Set it to 1."));
            return fail;
        }

        var text = await CliRun.InvokeAsync([Fail()], "fail");
        var json = await CliRun.InvokeAsync([Fail()], "fail", "--json");

        Assert.Equal(ExitCodes.Failure, text.ExitCode);
        Assert.Contains("error: Setting 'X' is wrong.", text.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", text.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Failure, json.ExitCode);
        using var doc = JsonDocument.Parse(json.Output);
        Assert.False(doc.RootElement.GetProperty("ok").GetBoolean());
        Assert.Contains("'X'", doc.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
