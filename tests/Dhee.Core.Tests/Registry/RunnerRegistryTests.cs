using System.Text.Json.Nodes;
using Dhee.Bundles;
using Dhee.Errors;
using Dhee.Registry;
using Dhee.Runners;
using Dhee.Runners.BuiltIn;
using Dhee.Testing.Runners;
using Dhee.Tests.Bundles;
using Dhee.Versioning;
using NuGet.Versioning;

namespace Dhee.Tests.Registry;

public sealed class RunnerRegistryTests : IDisposable
{
    private static readonly JsonObject TtiSchema = JsonNode.Parse("""
        {"type":"object","required":["workflowPath"],"properties":{
          "workflowPath":{"type":"string"},
          "width":{"type":"integer","minimum":64,"maximum":4096},
          "endpoint":{"type":"string"}},
         "additionalProperties":false}
        """)!.AsObject();

    private readonly Dictionary<string, string?> _env = new(StringComparer.Ordinal);
    private readonly BundleFixture _fx = new();
    private readonly RunnerRegistry _registry;

    public RunnerRegistryTests()
    {
        _registry = new RunnerRegistry(new RunnerRegistryOptions
        {
            GetEnvironmentVariable = name => _env.GetValueOrDefault(name),
            EngineVersion = SemanticVersion.Parse("0.2.0-preview.1"),
        });
    }

    public void Dispose() => _fx.Dispose();

    private void RegisterAll()
    {
        _registry.Register(StubRunner.Manifest("llm.generate", "0.3.0"), new StubRunner("llm.generate"));
        _registry.Register(StubRunner.Manifest("comfy.tti", "1.0.0"), new StubRunner("comfy.tti", TtiSchema), "/home/u/.kshana/runners/Dhee.Runner.Comfy/1.0.0");
        _registry.Register(StubRunner.Manifest("ffmpeg.concat"), new StubRunner("ffmpeg.concat"));
    }

    private Bundle LoadFixture()
    {
        var result = _fx.Load();
        Assert.True(result.Success, string.Join("\n", result.Problems));
        return result.Bundle!;
    }

    [Fact]
    public void Register_ThenGet_ReturnsRegistrationWithDescription()
    {
        _registry.Register(StubRunner.Manifest("text.template"), new StubRunner("text.template", costHint: CostHint.PaidApi));

        var registration = _registry.Get("text.template");

        Assert.Equal("built-in", registration.Source);
        Assert.Equal(CostHint.PaidApi, registration.Description.CostHint);
        Assert.True(_registry.TryGet("text.template", out _));
        Assert.False(_registry.TryGet("text.other", out _));
    }

    [Fact]
    public void Register_DuplicateToolId_FailsNamingBothSources()
    {
        _registry.Register(StubRunner.Manifest("comfy.tti"), new StubRunner("comfy.tti"));

        var ex = Assert.Throws<DheeConfigurationException>(() =>
            _registry.Register(StubRunner.Manifest("comfy.tti", "2.0.0"), new StubRunner("comfy.tti"), "/runners/Dhee.Runner.Comfy/2.0.0"));

        Assert.Contains("'built-in'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'/runners/Dhee.Runner.Comfy/2.0.0'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("replaceExisting", ex.Message, StringComparison.Ordinal);
        Assert.Equal("1.0.0", _registry.Get("comfy.tti").Manifest.Version);
    }

    [Fact]
    public void Register_DuplicateWithReplaceExisting_Overrides()
    {
        _registry.Register(StubRunner.Manifest("comfy.tti"), new StubRunner("comfy.tti"));

        _registry.Register(StubRunner.Manifest("comfy.tti", "2.0.0"), new StubRunner("comfy.tti"), "host override", replaceExisting: true);

        Assert.Equal("host override", _registry.Get("comfy.tti").Source);
        Assert.Single(_registry.List());
    }

    [Theory]
    [InlineData("comfy", "1.0.0", "^0.1.0", "'tool'")]
    [InlineData("Comfy.TTI", "1.0.0", "^0.1.0", "'tool'")]
    [InlineData("comfy.tti", "1.0", "^0.1.0", "'version'")]
    [InlineData("comfy.tti", "1.0.0.0", "^0.1.0", "'version'")]
    [InlineData("comfy.tti", "1.0.0", "1.x.5", "'engineCompat'")]
    [InlineData("comfy.tti", "1.0.0", "", "'engineCompat'")]
    public void Register_InvalidManifest_FailsNamingField(string tool, string version, string engineCompat, string field)
    {
        var ex = Assert.Throws<DheeConfigurationException>(() =>
            _registry.Register(StubRunner.Manifest(tool, version, engineCompat), new StubRunner(tool), "plugin-x"));

        Assert.Contains(field, ex.Message, StringComparison.Ordinal);
        Assert.Contains("plugin-x", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Register_DescriptionIdDiffersFromTool_Fails()
    {
        var ex = Assert.Throws<DheeConfigurationException>(() => _registry.Register(StubRunner.Manifest("comfy.tti"), new StubRunner("comfy.image")));

        Assert.Contains("'comfy.image'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Get_Unregistered_ThrowsWithInstallHint()
    {
        var ex = Assert.Throws<RunnerNotFoundException>(() => _registry.Get("comfy.tts"));

        Assert.Equal("comfy.tts", ex.Tool);
        Assert.Contains("Dhee.Runner.Comfy", ex.Message, StringComparison.Ordinal);
        Assert.Contains("~/.kshana/runners", ex.Message, StringComparison.Ordinal);
        Assert.Contains("DHEE_RUNNERS_DIR", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void List_ReturnsEveryRunnerSortedByTool()
    {
        RegisterAll();

        Assert.Equal(["comfy.tti", "ffmpeg.concat", "llm.generate"], _registry.List().Select(r => r.Manifest.Tool));
    }

    [Fact]
    public void ValidateBundle_AllReady_ReturnsNoProblems()
    {
        RegisterAll();

        Assert.Empty(_registry.ValidateBundle(LoadFixture()));
    }

    [Fact]
    public void ValidateBundle_DeclaredToolNotRegistered_GivesInstallHintWithPackage()
    {
        _fx.Json["dependencies"]!["runners"]!["comfy.tts"] = ">=0.1.0";
        _fx.Json["dependencies"]!["runnerPackages"]!["comfy.tts"] = "Acme.Dhee.Tts";
        RegisterAll();

        var problem = Assert.Single(_registry.ValidateBundle(LoadFixture()));

        Assert.Equal("registry.runner.missing", problem.Code);
        Assert.Equal("$.dependencies.runners['comfy.tts']", problem.JsonPath);
        Assert.Equal(_fx.BundleFile, problem.File);
        Assert.NotNull(problem.Line);
        Assert.Contains("Acme.Dhee.Tts", problem.Fix, StringComparison.Ordinal);
        Assert.Contains("Dhee.Runner.Comfy", problem.Fix, StringComparison.Ordinal);
        Assert.Contains("~/.kshana/runners", problem.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateBundle_UndeclaredToolUsedByNodeNotRegistered_IsReportedAtTheNode()
    {
        _registry.Register(StubRunner.Manifest("llm.generate", "0.3.0"), new StubRunner("llm.generate"));
        _registry.Register(StubRunner.Manifest("comfy.tti"), new StubRunner("comfy.tti", TtiSchema));

        var problem = Assert.Single(_registry.ValidateBundle(LoadFixture()));

        Assert.Equal("registry.runner.missing", problem.Code);
        Assert.Equal("$.nodes[2].runner.tool", problem.JsonPath);
        Assert.Contains("'final'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("Dhee.Runner.Ffmpeg", problem.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateBundle_VersionOutsideRange_NamesVersionAndRange()
    {
        _fx.Json["dependencies"]!["runners"]!["llm.generate"] = "^0.4.0";
        RegisterAll();

        var problem = Assert.Single(_registry.ValidateBundle(LoadFixture()));

        Assert.Equal("registry.runner.version", problem.Code);
        Assert.Contains("0.3.0", problem.Message, StringComparison.Ordinal);
        Assert.Contains("'^0.4.0'", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateBundle_PrereleaseRunnerInsideRange_IsAccepted()
    {
        _registry.Register(StubRunner.Manifest("llm.generate", "0.4.0-beta.1"), new StubRunner("llm.generate"));
        _registry.Register(StubRunner.Manifest("comfy.tti"), new StubRunner("comfy.tti", TtiSchema));
        _registry.Register(StubRunner.Manifest("ffmpeg.concat"), new StubRunner("ffmpeg.concat"));

        Assert.Empty(_registry.ValidateBundle(LoadFixture()));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void ValidateBundle_CredentialUnsetOrBlank_IsReportedWithoutValue(string? value)
    {
        _env["OPENAI_API_KEY"] = value;
        _registry.Register(StubRunner.Manifest("llm.generate", "0.3.0", ">=0.1.0", "OPENAI_API_KEY"), new StubRunner("llm.generate"));
        _registry.Register(StubRunner.Manifest("comfy.tti"), new StubRunner("comfy.tti", TtiSchema));
        _registry.Register(StubRunner.Manifest("ffmpeg.concat"), new StubRunner("ffmpeg.concat"));

        var problem = Assert.Single(_registry.ValidateBundle(LoadFixture()));

        Assert.Equal("registry.credentials.missing", problem.Code);
        Assert.Contains("OPENAI_API_KEY", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateBundle_CredentialSet_IsAccepted()
    {
        _env["OPENAI_API_KEY"] = "sk-test";
        _registry.Register(StubRunner.Manifest("llm.generate", "0.3.0", ">=0.1.0", "OPENAI_API_KEY"), new StubRunner("llm.generate"));
        _registry.Register(StubRunner.Manifest("comfy.tti"), new StubRunner("comfy.tti", TtiSchema));
        _registry.Register(StubRunner.Manifest("ffmpeg.concat"), new StubRunner("ffmpeg.concat"));

        var problems = _registry.ValidateBundle(LoadFixture());

        Assert.Empty(problems);
    }

    [Fact]
    public void ValidateBundle_RunnerEngineCompatNotSatisfied_IsReported()
    {
        _registry.Register(StubRunner.Manifest("llm.generate", "0.3.0", "^1.0.0"), new StubRunner("llm.generate"), "/runners/Dhee.Runner.Llm/0.3.0");
        _registry.Register(StubRunner.Manifest("comfy.tti"), new StubRunner("comfy.tti", TtiSchema));
        _registry.Register(StubRunner.Manifest("ffmpeg.concat"), new StubRunner("ffmpeg.concat"));

        var problem = Assert.Single(_registry.ValidateBundle(LoadFixture()));

        Assert.Equal("registry.runner.engine", problem.Code);
        Assert.Contains("'^1.0.0'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("0.2.0-preview.1", problem.Message, StringComparison.Ordinal);
        Assert.Contains("/runners/Dhee.Runner.Llm/0.3.0", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateBundle_PrereleaseEngineInsideRunnerRange_IsAccepted()
    {
        // Engine 0.2.0-preview.1 must satisfy '>=0.1.0' even though it is a prerelease (include-prerelease semantics).
        _registry.Register(StubRunner.Manifest("llm.generate", "0.3.0", ">=0.1.0"), new StubRunner("llm.generate"));
        _registry.Register(StubRunner.Manifest("comfy.tti", "1.0.0", "^0.2.0"), new StubRunner("comfy.tti", TtiSchema));
        _registry.Register(StubRunner.Manifest("ffmpeg.concat"), new StubRunner("ffmpeg.concat"));

        Assert.Empty(_registry.ValidateBundle(LoadFixture()));
    }

    [Fact]
    public void ValidateBundle_BundleEngineCompatNotSatisfied_IsReported()
    {
        _fx.Json["engineCompat"] = ">=3.0.0";
        RegisterAll();

        var problem = Assert.Single(_registry.ValidateBundle(LoadFixture()));

        Assert.Equal("registry.bundle.engine", problem.Code);
        Assert.Equal("$.engineCompat", problem.JsonPath);
    }

    [Fact]
    public void ValidateBundle_ConfigAgainstSchema_NamesNodeAndField()
    {
        _fx.Node(1)["runner"]!["config"]!["width"] = "wide";
        _fx.Node(1)["runner"]!["config"]!["steps"] = 20;
        RegisterAll();

        var problems = _registry.ValidateBundle(LoadFixture());

        Assert.Equal(2, problems.Count);
        Assert.Equal("$.nodes[1].runner.config.width", problems[0].JsonPath);
        Assert.Equal("registry.config.type", problems[0].Code);
        Assert.Contains("node 'image'", problems[0].Message, StringComparison.Ordinal);
        Assert.Equal("$.nodes[1].runner.config.steps", problems[1].JsonPath);
        Assert.Equal("registry.config.additionalProperties", problems[1].Code);
        Assert.All(problems, p => Assert.NotNull(p.Line));
    }

    [Fact]
    public void ValidateBundle_ManyProblems_CollectsAllOfThem()
    {
        _fx.Json["dependencies"]!["runners"]!["llm.generate"] = "^2.0.0";
        _fx.Json["dependencies"]!["runners"]!["comfy.tts"] = "*";
        _fx.Node(1)["runner"]!["config"]!.AsObject().Remove("workflowPath");
        _registry.Register(StubRunner.Manifest("llm.generate", "0.3.0", ">=0.1.0", "OPENAI_API_KEY"), new StubRunner("llm.generate"));
        _registry.Register(StubRunner.Manifest("comfy.tti"), new StubRunner("comfy.tti", TtiSchema));

        var codes = _registry.ValidateBundle(LoadFixture()).Select(p => p.Code).ToList();

        Assert.Equal(
            ["registry.runner.version", "registry.credentials.missing", "registry.runner.missing", "registry.config.required", "registry.runner.missing"],
            codes);
    }

    [Fact]
    public void BuiltInRunners_AddTo_RegistersRunnersCompatibleWithThisEngine()
    {
        var registry = new RunnerRegistry();

        BuiltInRunners.AddTo(registry);

        Assert.All(registry.List(), r =>
        {
            Assert.Equal(BuiltInRunners.Source, r.Source);
            Assert.True(NpmVersionRange.Parse(r.Manifest.EngineCompat).IsSatisfiedBy(DheeEngine.Version, includePrerelease: true), r.Manifest.Tool);
            Assert.Equal("object", r.Description.ConfigSchema["type"]?.GetValue<string>());
        });
    }
}
