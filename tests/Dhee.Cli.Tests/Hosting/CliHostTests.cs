using System.Text.Json;
using Dhee.Cli.Hosting;

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
}
