using System.Text.Json.Nodes;
using Dhee.Bundles;
using Dhee.Errors;
using Dhee.Testing;

namespace Dhee.Tests.Bundles;

public sealed class BundleLoaderTests : IDisposable
{
    private readonly BundleFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    [Fact]
    public void TryLoad_ValidFolder_MapsEveryField()
    {
        var result = _fx.Load();

        Assert.True(result.Success, string.Join("\n", result.Problems));
        var bundle = result.Bundle!;
        Assert.Equal("demo", bundle.Id);
        Assert.Equal("final", bundle.Goal);
        Assert.Equal(">=0.1.0", bundle.EngineCompat);
        Assert.Equal(">=0.1.0", bundle.Dependencies.Runners["llm.generate"]);
        Assert.Equal("Dhee.Runner.Comfy", bundle.Dependencies.RunnerPackages["comfy.tti"]);
        Assert.Equal(BundleInputKind.File, Assert.Single(bundle.Inputs).Kind);
        Assert.Equal(_fx.BundleFile, bundle.SourcePath);
        Assert.Equal(_fx.Dir, bundle.BundleDir);
        var image = bundle.FindNode("image")!;
        Assert.Equal(NodeKind.Collection, image.Kind);
        Assert.Equal("beats", image.ItemKey);
        Assert.Equal(OutputFormat.Image, image.Outputs.Format);
        Assert.Equal(1280, image.Runner.Config["width"]!.GetValue<int>());
        Assert.Equal(InputScope.All, bundle.FindNode("final")!.Inputs[0].Scope);
        Assert.Equal(InputUsage.Context, bundle.FindNode("plan")!.Inputs[0].Usage);
    }

    [Fact]
    public void TryLoad_OriginalFormatFields_AreAcceptedAndUnknownFieldsKept()
    {
        _fx.Json["display"] = new JsonObject { ["thumbnail"] = new JsonObject { ["from"] = "segment.image" } };
        _fx.Json["reviewLoopMax"] = 2;
        _fx.Node(1)["displayCapability"] = "segment.image";
        _fx.Node(1)["headlineField"] = "imagePrompt";
        _fx.Node(1)["allowEmptyItems"] = true;
        _fx.Node(1)["chunkBy"] = new JsonObject { ["constraint"] = "max_frames", ["limit"] = 1000 };
        _fx.Input(2, 0)["scope"] = "any";
        _fx.Input(2, 0)["usage"] = "aggregate";
        _fx.Input(2, 0)["aggregate"] = new JsonObject { ["strategy"] = "join", ["sep"] = "\n", ["limit"] = 3 };
        _fx.Node(0)["outputs"]!["format"] = "md";
        _fx.Node(0)["outputs"]!["pattern"] = "plans/plan.md";

        var result = _fx.Load();

        Assert.True(result.Success, string.Join("\n", result.Problems));
        var bundle = result.Bundle!;
        Assert.Equal(2, bundle.Extensions["reviewLoopMax"]!.GetValue<int>());
        Assert.Equal("segment.image", bundle.Extensions["display"]!["thumbnail"]!["from"]!.GetValue<string>());
        var image = bundle.FindNode("image")!;
        Assert.Equal("segment.image", image.DisplayCapability);
        Assert.Equal("imagePrompt", image.HeadlineField);
        Assert.True(image.AllowEmptyItems);
        Assert.Equal(1000, image.Extensions["chunkBy"]!["limit"]!.GetValue<int>());
        var input = bundle.FindNode("final")!.Inputs[0];
        Assert.Equal(InputScope.Any, input.Scope);
        Assert.Equal(AggregateStrategy.Join, input.Aggregate!.Strategy);
        Assert.Equal("\n", input.Aggregate.Separator);
        Assert.Equal(3, input.Aggregate.Limit);
        Assert.Equal(OutputFormat.Markdown, bundle.FindNode("plan")!.Outputs.Format);
    }

    [Fact]
    public void TryLoad_SingleJsonFile_UsesItsFolderAsBundleDir()
    {
        var file = Path.Combine(_fx.Dir, "demo.json");
        File.WriteAllText(file, BundleFixture.ValidJson);

        var result = BundleLoader.TryLoad(file);

        Assert.True(result.Success, string.Join("\n", result.Problems));
        Assert.Equal(file, result.Bundle!.SourcePath);
        Assert.Equal(_fx.Dir, result.Bundle.BundleDir);
    }

    [Fact]
    public void TryLoad_CommentsAndTrailingCommas_AreAccepted()
    {
        var text = BundleFixture.ValidJson.Replace("\"id\": \"demo\",", "// the id\n  \"id\": \"demo\",", StringComparison.Ordinal)
            .Replace("\"config\": {} }", "\"config\": {}, }", StringComparison.Ordinal);

        var result = _fx.LoadRaw(text);

        Assert.True(result.Success, string.Join("\n", result.Problems));
    }

    [Fact]
    public void TryLoad_FolderWithoutBundleJson_ReportsMissingFile()
    {
        using var empty = new TestProjectDirectory("dhee-empty");

        var problem = Assert.Single(BundleLoader.TryLoad(empty.Path).Problems);

        Assert.Equal("bundle.file.missing", problem.Code);
        Assert.Contains("bundle.json", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryLoad_PathThatDoesNotExist_ReportsIt()
    {
        var problem = Assert.Single(BundleLoader.TryLoad(Path.Combine(_fx.Dir, "nope")).Problems);

        Assert.Equal("bundle.file.missing", problem.Code);
    }

    [Fact]
    public void TryLoad_MalformedJson_ReportsLineAndColumn()
    {
        var text = "{\n  \"id\": \"demo\",\n  \"goal\": \"x\"\n  \"nodes\": []\n}";

        var problem = Assert.Single(_fx.LoadRaw(text).Problems);

        Assert.Equal("bundle.json.malformed", problem.Code);
        Assert.Equal(_fx.BundleFile, problem.File);
        Assert.Equal(4, problem.Line);
        Assert.Equal(3, problem.Column);
        Assert.StartsWith($"{_fx.BundleFile}:4:3: ", problem.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryLoad_NotAnObject_ReportsIt()
    {
        var problem = Assert.Single(_fx.LoadRaw("[1, 2]").Problems);

        Assert.Equal("bundle.field.type", problem.Code);
        Assert.Equal("$", problem.JsonPath);
    }

    [Theory]
    [InlineData("id")]
    [InlineData("goal")]
    [InlineData("nodes")]
    public void TryLoad_MissingTopLevelField_NamesField(string field)
    {
        _fx.Json.Remove(field);
        if (field == "nodes")
        {
            _fx.Json.Remove("goal");
            _fx.Json["goal"] = "final";
        }

        var result = _fx.Load();

        var problem = Assert.Single(result.Problems, p => p.JsonPath == "$." + field);
        Assert.Equal("bundle.field.missing", problem.Code);
        Assert.Contains($"'{field}'", problem.Message, StringComparison.Ordinal);
        Assert.Equal(_fx.BundleFile, problem.File);
        Assert.Equal(1, problem.Line); // a missing field points at its parent object
    }

    [Fact]
    public void TryLoad_EmptyNodes_IsReported()
    {
        _fx.Json["nodes"] = new JsonArray();

        var result = _fx.Load();

        Assert.Contains(result.Problems, p => p.Code == "bundle.nodes.empty" && p.JsonPath == "$.nodes");
    }

    [Fact]
    public void TryLoad_WrongFieldType_NamesFieldAndType()
    {
        _fx.Node(1)["allowEmptyItems"] = "yes";

        var problem = _fx.LoadExpectingOne("bundle.field.type", "$.nodes[1].allowEmptyItems");

        Assert.Contains("true or false", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryLoad_DuplicateNodeIds_NamesBothPlaces()
    {
        _fx.Node(2)["id"] = "plan";
        _fx.Json["goal"] = "plan";

        var result = _fx.Load();

        var problem = Assert.Single(result.Problems, p => p.Code == "bundle.node.duplicate");
        Assert.Equal("$.nodes[2].id", problem.JsonPath);
        Assert.Contains("'plan'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("$.nodes[0]", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryLoad_FromNamingNothing_NamesNodeAndListsChoices()
    {
        _fx.Input(2, 0)["from"] = "imgae";

        var problem = _fx.LoadExpectingOne("bundle.from.unknown", "$.nodes[2].inputs[0].from");

        Assert.Contains("'imgae'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("'final'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("'image'", problem.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void TryLoad_Cycle_PrintsCyclePath()
    {
        _fx.Node(0)["inputs"]!.AsArray().Add(new JsonObject { ["from"] = "final" });

        var problem = _fx.LoadExpectingOne("bundle.cycle", "$.nodes[1].inputs[0].from");

        Assert.Contains("image → final → plan → image", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryLoad_SelfInputWithoutPreviousN_IsACycle()
    {
        _fx.Node(0)["inputs"]!.AsArray().Add(new JsonObject { ["from"] = "plan" });

        var problem = _fx.LoadExpectingOne("bundle.cycle", "$.nodes[0].inputs[1].from");

        Assert.Contains("plan → plan", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryLoad_PreviousNFromItself_IsNotACycle()
    {
        _fx.Node(1)["inputs"]!.AsArray().Add(new JsonObject { ["from"] = "image", ["scope"] = "previousN", ["n"] = 2 });

        var result = _fx.Load();

        Assert.True(result.Success, string.Join("\n", result.Problems));
        Assert.Equal(2, result.Bundle!.FindNode("image")!.Inputs[1].N);
    }

    [Fact]
    public void TryLoad_GoalNotANode_ListsNodes()
    {
        _fx.Json["goal"] = "finale";

        var problem = _fx.LoadExpectingOne("bundle.goal.unknown", "$.goal");

        Assert.Contains("'finale'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("'final'", problem.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void TryLoad_CollectionWithoutItemSource_IsReported()
    {
        _fx.Node(1).Remove("itemSource");

        var problem = _fx.LoadExpectingOne("bundle.collection.itemSource", "$.nodes[1].itemSource");

        Assert.Contains("'image'", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryLoad_CollectionPatternWithoutItemPlaceholder_IsReported()
    {
        _fx.Node(1)["outputs"]!["pattern"] = "assets/image.png";

        var problem = _fx.LoadExpectingOne("bundle.collection.pattern", "$.nodes[1].outputs.pattern");

        Assert.Contains("{{item_id}}", problem.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void TryLoad_CollectionPatternWithSceneId_IsAccepted()
    {
        _fx.Node(1)["outputs"]!["pattern"] = "assets/{{scene_id}}.png";

        Assert.True(_fx.Load().Success);
    }

    [Theory]
    [InlineData("/tmp/final.mp4", "absolute")]
    [InlineData("../final.mp4", "'..'")]
    [InlineData("out/../../final.mp4", "'..'")]
    public void TryLoad_UnsafeOutputPattern_IsReported(string pattern, string reason)
    {
        _fx.Node(2)["outputs"]!["pattern"] = pattern;

        var problem = _fx.LoadExpectingOne("bundle.path.unsafe", "$.nodes[2].outputs.pattern");

        Assert.Contains(reason, problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("promptTemplate", "../secrets.md")]
    [InlineData("promptTemplate", "/etc/passwd")]
    [InlineData("loraPath", "../../models/x.safetensors")]
    public void TryLoad_UnsafeConfigPath_IsReported(string key, string value)
    {
        _fx.Node(0)["runner"]!["config"]![key] = value;

        var problem = _fx.LoadExpectingOne("bundle.path.unsafe", $"$.nodes[0].runner.config.{key}");

        Assert.Contains($"'{key}'", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "promptTemplate", "prompts/missing.md")]
    [InlineData(0, "outputSchema", "schemas/missing.json")]
    [InlineData(1, "workflowPath", "workflows/missing.json")]
    [InlineData(1, "manifestPath", "workflows/missing.manifest.json")]
    [InlineData(1, "maskImagePath", "masks/a.png")]
    [InlineData(1, "styleTemplate", "prompts/style.txt")]
    public void TryLoad_ReferencedFileMissing_NamesKeyAndFile(int node, string key, string value)
    {
        _fx.Node(node)["runner"]!["config"]![key] = value;

        var problem = _fx.LoadExpectingOne("bundle.file.missing", $"$.nodes[{node}].runner.config.{key}");

        Assert.Contains(value, problem.Message, StringComparison.Ordinal);
        Assert.Contains($"'{key}'", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryLoad_MissingFileInNestedConfig_IsReported()
    {
        _fx.Node(1)["runner"]!["config"]!["lora"] = new JsonObject { ["weightsPath"] = "loras/x.safetensors" };

        _fx.LoadExpectingOne("bundle.file.missing", "$.nodes[1].runner.config.lora.weightsPath");
    }

    [Theory]
    [InlineData("systemTemplate", "Write about {{topic}}.")] // a *Template key holding inline text is not a path
    [InlineData("responseSchema", "strict")] // no extension: not a file name
    [InlineData("endpoint", "../../not/a/path")] // keys without Path/Template/Schema are not paths
    [InlineData("modelPath", "https://example.com/model.bin")] // URLs are not files
    public void TryLoad_ConfigValuesThatAreNotPaths_AreNotChecked(string key, string value)
    {
        _fx.Node(1)["runner"]!["config"]![key] = value;

        var result = _fx.Load();

        Assert.True(result.Success, string.Join("\n", result.Problems));
    }

    [Fact]
    public void TryLoad_WellKnownPathKeyWithInlineText_IsStillAFileReference()
    {
        _fx.Node(0)["runner"]!["config"]!["promptTemplate"] = "Write about {{topic}}.";

        _fx.LoadExpectingOne("bundle.file.missing", "$.nodes[0].runner.config.promptTemplate");
    }

    [Theory]
    [InlineData(1, "kind", "colection", "$.nodes[1].kind")]
    [InlineData(1, "outputs.format", "png", "$.nodes[1].outputs.format")]
    [InlineData(2, "inputs[0].scope", "every", "$.nodes[2].inputs[0].scope")]
    [InlineData(2, "inputs[0].usage", "ref", "$.nodes[2].inputs[0].usage")]
    public void TryLoad_UnknownEnumValue_ListsAllowedValues(int node, string field, string value, string path)
    {
        JsonObject target = field switch
        {
            "outputs.format" => _fx.Node(node)["outputs"]!.AsObject(),
            "inputs[0].scope" or "inputs[0].usage" => _fx.Input(node, 0),
            _ => _fx.Node(node),
        };
        var name = field[(field.LastIndexOf('.') + 1)..];
        target[name] = value;

        var problem = _fx.LoadExpectingOne("bundle.value.unknown", path);

        Assert.Contains($"'{value}'", problem.Message, StringComparison.Ordinal);
        Assert.Contains($"'{name}'", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryLoad_EnumInWrongCase_SuggestsTheRightSpelling()
    {
        _fx.Input(2, 0)["scope"] = "PreviousN";

        var problem = _fx.LoadExpectingOne("bundle.value.unknown", "$.nodes[2].inputs[0].scope");

        Assert.Contains("'previousN'", problem.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void TryLoad_UnknownBundleInputKind_IsReported()
    {
        _fx.Json["inputs"]![0]!["kind"] = "url";

        _fx.LoadExpectingOne("bundle.value.unknown", "$.inputs[0].kind");
    }

    [Theory]
    [InlineData("generate")]
    [InlineData("LLM.Generate")]
    [InlineData("llm..generate")]
    public void TryLoad_ToolIdNotDotNamespaced_IsReported(string tool)
    {
        _fx.Node(0)["runner"]!["tool"] = tool;

        var problem = _fx.LoadExpectingOne("bundle.tool.invalid", "$.nodes[0].runner.tool");

        Assert.Contains($"'{tool}'", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryLoad_DependencyToolIdNotDotNamespaced_IsReported()
    {
        _fx.Json["dependencies"]!["runners"]!["tts"] = ">=1.0.0";

        _fx.LoadExpectingOne("bundle.tool.invalid", "$.dependencies.runners.tts");
    }

    [Fact]
    public void TryLoad_ItemSourceNamingNoNode_IsReported()
    {
        _fx.Node(1)["itemSource"] = "plna";

        var problem = _fx.LoadExpectingOne("bundle.itemSource.unknown", "$.nodes[1].itemSource");

        Assert.Contains("'plna'", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public void TryLoad_PreviousNBelowOne_IsReported(int n)
    {
        _fx.Input(1, 0)["scope"] = "previousN";
        _fx.Input(1, 0)["n"] = n;

        var problem = _fx.LoadExpectingOne("bundle.previousN.invalid", "$.nodes[1].inputs[0].n");

        Assert.Contains("'n'", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("engineCompat", "1.x.5")]
    [InlineData("engineCompat", "latest")]
    public void TryLoad_InvalidEngineCompatRange_IsReported(string field, string value)
    {
        _fx.Json[field] = value;

        var problem = _fx.LoadExpectingOne("bundle.range.invalid", "$." + field);

        Assert.Contains(value, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryLoad_InvalidDependencyRange_IsReported()
    {
        _fx.Json["dependencies"]!["runners"]!["llm.generate"] = ">=0.1.0.0";

        _fx.LoadExpectingOne("bundle.range.invalid", "$.dependencies.runners['llm.generate']");
    }

    [Fact]
    public void TryLoad_InvalidVersion_IsReported()
    {
        _fx.Json["version"] = "1.0";

        _fx.LoadExpectingOne("bundle.version.invalid", "$.version");
    }

    [Fact]
    public void TryLoad_UnsafeBundleInputPath_IsReported()
    {
        _fx.Json["inputs"]![0]!["path"] = "../../etc/passwd";

        _fx.LoadExpectingOne("bundle.path.unsafe", "$.inputs[0].path");
    }

    [Fact]
    public void TryLoad_TwoStagesWritingSameFile_IsReported()
    {
        _fx.Node(2)["outputs"]!["pattern"] = "plans/plan.json";

        _fx.LoadExpectingOne("bundle.output.conflict", "$.nodes[2].outputs.pattern");
    }

    [Fact]
    public void TryLoad_ManyProblems_ReportsEveryOneWithItsLine()
    {
        _fx.Json["goal"] = "nowhere";
        _fx.Node(0)["runner"]!["tool"] = "llm";
        _fx.Node(1)["outputs"]!["pattern"] = "assets/image.png";
        _fx.Input(2, 0)["from"] = "ghost";
        _fx.Node(2)["outputs"]!["pattern"] = "/abs/final.mp4";

        var result = _fx.Load();

        Assert.Equal(
            ["bundle.goal.unknown", "bundle.tool.invalid", "bundle.collection.pattern", "bundle.from.unknown", "bundle.path.unsafe"],
            result.Problems.Select(p => p.Code));
        Assert.All(result.Problems, p => Assert.True(p.Line > 1));
        Assert.Equal(result.Problems.Select(p => p.Line).Distinct().Count(), result.Problems.Count);
    }

    [Fact]
    public void Load_Invalid_ThrowsValidationExceptionListingEveryProblem()
    {
        _fx.Json["goal"] = "nowhere";
        _fx.Input(2, 0)["from"] = "ghost";
        _fx.Load();

        var ex = Assert.Throws<DheeValidationException>(() => BundleLoader.Load(_fx.Dir));

        Assert.Equal(2, ex.Problems.Count);
        Assert.Contains("'nowhere'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'ghost'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(_fx.BundleFile, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WithoutBundleDir_SkipsFileExistenceButKeepsSafetyChecks()
    {
        var bundle = BundleLoader.Parse(BundleFixture.ValidJson);

        Assert.Equal("demo", bundle.Id);
        Assert.Null(bundle.BundleDir);

        var json = BundleFixture.ValidJson.Replace("prompts/plan.md", "../plan.md", StringComparison.Ordinal);
        var ex = Assert.Throws<DheeValidationException>(() => BundleLoader.Parse(json));
        Assert.Equal("bundle.path.unsafe", Assert.Single(ex.Problems).Code);
    }

    [Fact]
    public void Validate_BundleBuiltInCode_FindsCycle()
    {
        var bundle = new Bundle
        {
            Id = "code",
            Goal = "a",
            Nodes =
            [
                Node("a", "b"),
                Node("b", "a"),
            ],
        };

        var problem = Assert.Single(BundleValidator.Validate(bundle));

        Assert.Equal("bundle.cycle", problem.Code);
        Assert.Contains("→", problem.Message, StringComparison.Ordinal);

        static BundleNode Node(string id, string from) => new()
        {
            Id = id,
            Inputs = [new NodeInput { From = from }],
            Outputs = new NodeOutputs { Format = OutputFormat.Text, Pattern = id + ".txt" },
            Runner = new NodeRunner { Tool = "text.echo" },
        };
    }
}
