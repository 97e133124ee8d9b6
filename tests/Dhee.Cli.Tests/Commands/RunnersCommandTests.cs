using System.Text.Json;
using Dhee.Cli.Commands;
using Dhee.Cli.Hosting;
using Dhee.Registry;
using Dhee.Runners;
using Dhee.Testing.Runners;

namespace Dhee.Tests.Commands;

public class RunnersCommandTests
{
    private static RunnerRegistry Registry()
    {
        var registry = new RunnerRegistry();
        registry.Register(StubRunner.Manifest("llm.generate", "0.3.0", ">=0.1.0", "OPENAI_API_KEY"), new StubRunner("llm.generate", costHint: CostHint.PaidApi));
        registry.Register(StubRunner.Manifest("comfy.tti", "1.2.0"), new StubRunner("comfy.tti", costHint: CostHint.LocalGpu), "/home/u/.kshana/runners/Dhee.Runner.Comfy/1.2.0");
        return registry;
    }

    [Fact]
    public async Task Runners_Text_ShowsTableWithIdVersionCostAndSource()
    {
        var result = await CliRun.InvokeAsync([RunnersCommand.Create(Registry)], "runners");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        var lines = result.Output.Split('\n');
        var comfy = Assert.Single(lines, l => l.Contains("comfy.tti", StringComparison.Ordinal));
        Assert.Contains("1.2.0", comfy, StringComparison.Ordinal);
        Assert.Contains("local_gpu", comfy, StringComparison.Ordinal);
        var llm = Assert.Single(lines, l => l.Contains("llm.generate", StringComparison.Ordinal));
        Assert.Contains("paid_api", llm, StringComparison.Ordinal);
        Assert.Contains("built-in", llm, StringComparison.Ordinal);
        Assert.True(result.Output.IndexOf("comfy.tti", StringComparison.Ordinal) < result.Output.IndexOf("llm.generate", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Runners_Json_ParsesWithEveryField()
    {
        var result = await CliRun.InvokeAsync([RunnersCommand.Create(Registry)], "runners", "--json");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        using var doc = JsonDocument.Parse(result.Output);
        var runners = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(["comfy.tti", "llm.generate"], runners.Select(r => r.GetProperty("tool").GetString()));
        var llm = runners[1];
        Assert.Equal("0.3.0", llm.GetProperty("version").GetString());
        Assert.Equal("paid_api", llm.GetProperty("costHint").GetString());
        Assert.Equal("built-in", llm.GetProperty("source").GetString());
        Assert.Equal(">=0.1.0", llm.GetProperty("engineCompat").GetString());
        Assert.Equal("OPENAI_API_KEY", Assert.Single(llm.GetProperty("credentials").EnumerateArray()).GetString());
    }

    [Fact]
    public async Task Runners_DefaultRegistry_JsonIsAnArray()
    {
        var result = await CliRun.InvokeAsync("runners", "--json");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        using var doc = JsonDocument.Parse(result.Output);
        Assert.Equal(JsonValueKind.Array, doc.RootElement.ValueKind);
    }

    [Fact]
    public async Task Runners_EmptyRegistry_SaysHowToInstall()
    {
        var result = await CliRun.InvokeAsync([RunnersCommand.Create(() => new RunnerRegistry())], "runners");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("~/.kshana/runners", result.Output, StringComparison.Ordinal);
    }
}
