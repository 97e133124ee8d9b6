using System.Text.Json.Nodes;
using Dhee.Registry;
using Dhee.BuiltIn;
using Dhee.Schema;
using NuGet.Versioning;

namespace Dhee.Tests.BuiltIn;

public class BuiltInRunnersTests
{
    public static TheoryData<string, string> GoodConfigs => new()
    {
        { "llm.generate", """{"promptTemplate":"prompts/a.md","outputFormat":"json","outputSchema":"s.json","tier":"heavy","temperature":0.3,"maxTokens":500,"maxRetries":2,"forceRerun":false,"structuredMode":"auto","structuredStrict":true,"validateWith":"v"}""" },
        { "text.template", """{"template":"A %s","separator":" "}""" },
        { "ffmpeg.concat", """{"crossfade":0.5,"transition":"fade","audioInput":"music","audioMode":"mix","width":1280,"height":720,"fps":25,"reencode":"always"}""" },
        { "ffmpeg.kenburns", """{"duration":4,"width":1280,"height":720,"fps":25,"zoomStart":1,"zoomEnd":1.2,"pan":"left","padSeconds":0.5,"audioInput":"voice","imageInput":"img"}""" },
        { "ffmpeg.overlay", """{"position":"top-right","margin":8,"scale":0.25,"opacity":0.8,"start":1,"end":3}""" },
    };

    public static TheoryData<string, string, string> BadConfigs => new()
    {
        { "llm.generate", """{"outputFormat":"json"}""", "promptTemplate" },
        { "llm.generate", """{"promptTemplate":"a.md","outputFormat":"yaml"}""", "outputFormat" },
        { "text.template", """{"template":3}""", "template" },
        { "ffmpeg.concat", """{"crossfade":-1}""", "crossfade" },
        { "ffmpeg.kenburns", """{"pan":"sideways"}""", "pan" },
        { "ffmpeg.overlay", """{"positon":"center"}""", "positon" },
    };

    [Fact]
    public void All_EveryToolOnceWithValidManifest()
    {
        var all = BuiltInRunners.All().ToList();

        Assert.Equal(BuiltInRunners.Tools, all.Select(r => r.Manifest.Tool));
        foreach (var (manifest, runner) in all)
        {
            Assert.Equal(manifest.Tool, runner.Describe().Id);
            Assert.True(SemanticVersion.TryParse(manifest.Version, out _), manifest.Tool);
            Assert.False(string.IsNullOrWhiteSpace(runner.Describe().Description));
        }
    }

    [Fact]
    public void AddTo_Registry_ListsEveryBuiltInToolAsBuiltIn()
    {
        var registry = new RunnerRegistry();

        BuiltInRunners.AddTo(registry);

        foreach (var tool in BuiltInRunners.Tools)
        {
            Assert.True(registry.TryGet(tool, out var registration), tool);
            Assert.Equal(BuiltInRunners.Source, registration.Source);
            Assert.Equal(tool, registration.Description.Id);
        }
    }

    [Theory]
    [MemberData(nameof(GoodConfigs))]
    public void ConfigSchema_DocumentedConfig_Passes(string tool, string config)
    {
        var schema = Runner(tool).Describe().ConfigSchema;

        Assert.Empty(JsonSchemaValidator.Validate(JsonNode.Parse(config), schema));
    }

    [Theory]
    [MemberData(nameof(BadConfigs))]
    public void ConfigSchema_BadConfig_RejectedNamingField(string tool, string config, string field)
    {
        var schema = Runner(tool).Describe().ConfigSchema;

        var problems = JsonSchemaValidator.Validate(JsonNode.Parse(config), schema);

        Assert.Contains(problems, p => p.ToString().Contains(field, StringComparison.Ordinal));
    }

    private static Dhee.Runners.IRunner Runner(string tool) => BuiltInRunners.All().Single(r => r.Manifest.Tool == tool).Runner;
}
