using System.Text.Json.Nodes;
using Dhee.Bundles;
using Dhee.Errors;
using Dhee.Inputs;
using Dhee.Runners;
using Dhee.Testing;
using Dhee.Validation;
using Dhee.Walking;
using static Dhee.Tests.Walking.WalkTestKit;

namespace Dhee.Tests.Walking;

public sealed class WalkerTests : IDisposable
{
    private readonly TestProjectDirectory _project = new("dhee-walk");

    [Fact]
    public async Task WalkAsync_LinearStages_RunsInOrderPassingTextInputs()
    {
        var runner = new FuncRunner("test.text");
        var bundle = Bundle("c", Stage("a"), Stage("b", inputs: From("a")), Stage("c", inputs: From("b")));

        var result = await new Walker([runner]).WalkAsync(bundle, Options(_project));

        Assert.Equal(WalkStatus.Succeeded, result.Status);
        Assert.Equal(["a", "b", "c"], runner.Calls);
        Assert.Equal("out/c.txt", result.TargetOutputPath);
        Assert.Equal("c<-b", File.ReadAllText(Path.Combine(_project.Path, "out/c.txt")));
        Assert.Equal(3, result.Completed);
    }

    [Fact]
    public async Task WalkAsync_SecondWalk_SkipsCompletedNodes()
    {
        var runner = new FuncRunner("test.text");
        var bundle = Bundle("b", Stage("a"), Stage("b", inputs: From("a")));
        await new Walker([runner]).WalkAsync(bundle, Options(_project));

        var second = await new Walker([runner]).WalkAsync(bundle, Options(_project));

        Assert.Equal(WalkStatus.Succeeded, second.Status);
        Assert.Equal(2, second.Skipped);
        Assert.Equal(2, runner.Calls.Count);
        Assert.Equal("out/b.txt", second.TargetOutputPath);
    }

    [Fact]
    public async Task WalkAsync_OutputDeletedAfterCompletion_RunsAgain()
    {
        var runner = new FuncRunner("test.text");
        var bundle = Bundle("b", Stage("a"), Stage("b", inputs: From("a")));
        await new Walker([runner]).WalkAsync(bundle, Options(_project));
        File.Delete(Path.Combine(_project.Path, "out/a.txt"));

        var second = await new Walker([runner]).WalkAsync(bundle, Options(_project));

        Assert.Equal(2, second.Completed); // a re-ran, so b (which consumed the old a) re-ran too
        Assert.Equal(["a", "b", "a", "b"], runner.Calls);
    }

    [Fact]
    public async Task WalkAsync_ToNode_RunsOnlyItsAncestors()
    {
        var runner = new FuncRunner("test.text");
        var bundle = Bundle("goal",
            Stage("unrelated"),
            Stage("a"),
            Stage("b", inputs: From("a")),
            Stage("goal", inputs: [From("b"), From("unrelated")]));

        var result = await new Walker([runner]).WalkAsync(bundle, Options(_project, to: "b"));

        Assert.Equal(WalkStatus.Succeeded, result.Status);
        Assert.Equal(["a", "b"], runner.Calls.Order());
        Assert.Equal("b", result.Target);
    }

    [Fact]
    public async Task WalkAsync_UnknownToolCycleAndUnknownInput_ThrowsListingAllBeforeRunning()
    {
        var runner = new FuncRunner("test.text");
        var bundle = Bundle("a",
            Stage("a", inputs: [From("b")]),
            Stage("b", inputs: [From("a"), From("ghost")]),
            Stage("c", tool: "nope.tool"));
        var withMissingTool = bundle with { Goal = "d", Nodes = [.. bundle.Nodes, Stage("d", tool: "nope.tool", inputs: From("a"))] };

        var e = await Assert.ThrowsAsync<DheeValidationException>(() => new Walker([runner]).WalkAsync(withMissingTool, Options(_project)).AsTask());

        Assert.Contains(e.Problems, p => p.Code == "walk.cycle" && p.Message.Contains("a → b → a", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Code == "walk.unknown-input" && p.Message.Contains("ghost", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Code == "walk.runner-missing" && p.Message.Contains("nope.tool", StringComparison.Ordinal));
        Assert.Empty(runner.Calls);
    }

    [Fact]
    public async Task WalkAsync_RegistryValidationFails_ThrowsBeforeRunning()
    {
        var runner = new FuncRunner("test.text");
        var walker = new Walker(t => t == "test.text" ? runner : null, _ => [new ValidationProblem { Code = "registry.version", Message = "test.text 0.1.0 does not satisfy ^2" }]);

        var e = await Assert.ThrowsAsync<DheeValidationException>(() => walker.WalkAsync(Bundle("a", Stage("a")), Options(_project)).AsTask());

        Assert.Contains(e.Problems, p => p.Code == "registry.version");
        Assert.Empty(runner.Calls);
    }

    [Fact]
    public async Task WalkAsync_Collection100Items_FansOutAndAggregates()
    {
        var items = new JsonArray([.. Enumerable.Range(1, 100).Select(i => (JsonNode)new JsonObject { ["id"] = $"Shot {i}" })]);
        var plan = JsonWriter("test.plan", new JsonObject { ["title"] = "x", ["shots"] = items });
        var text = new FuncRunner("test.text");
        MapInputValue? seen = null;
        var gather = new FuncRunner("test.gather", ctx =>
        {
            seen = (MapInputValue)ctx.Inputs["shot"];
            return ValueTask.FromResult(Write(ctx, "done"));
        });
        var bundle = Bundle("final",
            Stage("plan", tool: "test.plan", format: OutputFormat.Json),
            Collection("shot", "plan", itemKey: "shots", inputs: From("plan")),
            Stage("final", tool: "test.gather", inputs: From("shot", InputScope.All)));

        var result = await new Walker([plan, text, gather]).WalkAsync(bundle, Options(_project));

        Assert.Equal(WalkStatus.Succeeded, result.Status);
        Assert.Equal(100, text.Calls.Count);
        Assert.Equal(100, seen!.Entries.Count);
        Assert.Equal("shot_1", seen.Entries[0].Key);
        Assert.True(File.Exists(Path.Combine(_project.Path, "out/shot/shot_100.txt")));
        var report = Assert.Single(result.Collections);
        Assert.Equal("itemKey:shots", report.Source);
        Assert.Equal(100, report.ItemCount);
    }

    [Theory]
    [InlineData("[\"a\",\"b\"]", null, "top-level array")]
    [InlineData("{\"scenes\":[{\"id\":\"x\"}],\"shots\":[\"a\",\"b\"]}", "shots", "itemKey:shots")]
    [InlineData("{\"scenes\":[{\"id\":\"x\"}],\"items\":[{\"name\":\"A\"},{\"name\":\"B\"}]}", null, "items")]
    [InlineData("{\"n\":1,\"beats\":[{\"id\":\"a\"},{\"id\":\"b\"}]}", null, "first array:beats")]
    public async Task WalkAsync_ItemSources_PicksArrayAndReportsWhich(string json, string? itemKey, string expectedSource)
    {
        var plan = JsonWriter("test.plan", JsonNode.Parse(json)!);
        var text = new FuncRunner("test.text");
        var bundle = Bundle("each", Stage("plan", tool: "test.plan", format: OutputFormat.Json), Collection("each", "plan", itemKey: itemKey));

        var result = await new Walker([plan, text]).WalkAsync(bundle, Options(_project));

        Assert.Equal(WalkStatus.Succeeded, result.Status);
        Assert.Equal(expectedSource, result.Collections[0].Source);
        Assert.Equal(["each[a]", "each[b]"], text.Calls.Order());
    }

    [Fact]
    public async Task WalkAsync_FanThrough_MirrorsUpstreamItemsAndPassesMatchingItem()
    {
        var plan = JsonWriter("test.plan", new JsonArray("one", "two", "three"));
        var text = new FuncRunner("test.text");
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
        var image = new FuncRunner("test.image", ctx =>
        {
            seen[ctx.ItemId!] = ctx.Inputs.GetText("prompt")!;
            return ValueTask.FromResult(Write(ctx, "img"));
        });
        var bundle = Bundle("image",
            Stage("plan", tool: "test.plan", format: OutputFormat.Json),
            Collection("prompt", "plan"),
            Collection("image", "prompt", tool: "test.image", format: OutputFormat.Image, inputs: From("prompt")));

        var result = await new Walker([plan, text, image]).WalkAsync(bundle, Options(_project));

        Assert.Equal(WalkStatus.Succeeded, result.Status);
        Assert.Equal("fan-through", result.Collections.Single(c => c.NodeId == "image").Source);
        Assert.Equal("prompt/two<-", seen["two"]);
        Assert.Equal(3, seen.Count);
    }

    [Fact]
    public async Task WalkAsync_OnlyItems_RunsJustThoseItems()
    {
        var plan = JsonWriter("test.plan", new JsonArray("a", "b", "c"));
        var text = new FuncRunner("test.text");
        var bundle = Bundle("final", Stage("plan", tool: "test.plan", format: OutputFormat.Json), Collection("each", "plan"), Stage("final", inputs: From("each", InputScope.All)));
        var options = Options(_project);

        var result = await new Walker([plan, text]).WalkAsync(bundle, new WalkOptions
        {
            ProjectDir = options.ProjectDir, Cache = options.Cache, Retry = options.Retry, WatchStopFile = false, OnlyItems = ["B"],
        });

        Assert.Equal(["each[b]"], text.Calls);
        Assert.Equal(3, result.NotStarted); // each[a], each[c], final
        Assert.Equal(WalkStatus.Succeeded, result.Status);
    }

    [Fact]
    public async Task WalkAsync_EmptyItems_FailsUnlessAllowed()
    {
        var plan = JsonWriter("test.plan", new JsonObject { ["items"] = new JsonArray() });
        var text = new FuncRunner("test.text");
        MapInputValue? seen = null;
        var gather = new FuncRunner("test.gather", ctx =>
        {
            seen = (MapInputValue)ctx.Inputs["each"];
            return ValueTask.FromResult(Write(ctx, "ok"));
        });

        BundleNode[] Nodes(bool allow) => [Stage("plan", tool: "test.plan", format: OutputFormat.Json), Collection("each", "plan", allowEmpty: allow), Stage("final", tool: "test.gather", inputs: From("each", InputScope.All))];

        var failed = await new Walker([plan, text, gather]).WalkAsync(Bundle("final", Nodes(false)), Options(_project));
        Assert.Equal(WalkStatus.Failed, failed.Status);
        Assert.Contains("allowEmptyItems", Assert.Single(failed.Failures).Message, StringComparison.Ordinal);
        Assert.Equal(1, failed.Blocked);

        using var other = new TestProjectDirectory("dhee-walk-empty");
        var allowed = await new Walker([plan, text, gather]).WalkAsync(Bundle("final", Nodes(true)), Options(other));
        Assert.Equal(WalkStatus.Succeeded, allowed.Status);
        Assert.Empty(seen!.Entries);
        Assert.Empty(text.Calls);
    }

    [Fact]
    public async Task WalkAsync_ItemWithoutIdOrDuplicateIds_FailsNamingTheItem()
    {
        var text = new FuncRunner("test.text");
        var noId = JsonWriter("test.plan", new JsonArray(new JsonObject { ["id"] = "a" }, new JsonObject { ["title"] = "no id" }));
        var result = await new Walker([noId, text]).WalkAsync(Bundle("each", Stage("plan", tool: "test.plan", format: OutputFormat.Json), Collection("each", "plan")), Options(_project));
        Assert.Contains("item 1", Assert.Single(result.Failures).Message, StringComparison.Ordinal);

        using var other = new TestProjectDirectory("dhee-walk-dup");
        var dup = JsonWriter("test.plan", new JsonArray("Same", "same "));
        var dupResult = await new Walker([dup, text]).WalkAsync(Bundle("each", Stage("plan", tool: "test.plan", format: OutputFormat.Json), Collection("each", "plan")), Options(other));
        Assert.Contains("'same'", Assert.Single(dupResult.Failures).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WalkAsync_OutputPlaceholders_RenderItemSceneChunkAndNode()
    {
        var plan = JsonWriter("test.plan", new JsonArray("scene_3_chunk_2"));
        var text = new FuncRunner("test.text");
        var node = Collection("each", "plan", pattern: "v/{{node_id}}/{{scene_id}}/{{chunk_id}}/{{shot_id}}-{{item_id}}-{{other}}.txt");

        var result = await new Walker([plan, text]).WalkAsync(Bundle("each", Stage("plan", tool: "test.plan", format: OutputFormat.Json), node), Options(_project));

        Assert.Equal("v/each/scene_3/chunk_2/scene_3_chunk_2-scene_3_chunk_2-{{other}}.txt", result.Traces.Single(t => t.NodeId == "each").OutputPath);
    }

    [Fact]
    public async Task WalkAsync_InputKinds_FileAsAbsolutePathJsonParsedTextAsText()
    {
        var image = new FuncRunner("test.image", ctx => ValueTask.FromResult(Write(ctx, "PNG")));
        var json = JsonWriter("test.plan", new JsonObject { ["k"] = 1 });
        var text = new FuncRunner("test.text");
        RunnerInputs? seen = null;
        var consumer = new FuncRunner("test.consume", ctx =>
        {
            seen = ctx.Inputs;
            return ValueTask.FromResult(Write(ctx, "x"));
        });
        var bundle = Bundle("use",
            Stage("img", tool: "test.image", format: OutputFormat.Image),
            Stage("plan", tool: "test.plan", format: OutputFormat.Json),
            Stage("note"),
            Stage("use", tool: "test.consume", inputs: [From("img"), From("plan"), From("note")]));

        await new Walker([image, json, text, consumer]).WalkAsync(bundle, Options(_project));

        var file = Assert.IsType<FileInputValue>(seen!["img"]);
        Assert.Equal(Path.Combine(_project.Path, "out", "img.png"), file.Path);
        Assert.Equal(1, Assert.IsType<JsonInputValue>(seen["plan"]).Value!["k"]!.GetValue<int>());
        Assert.Equal("note<-", Assert.IsType<TextInputValue>(seen["note"]).Text);
    }

    [Fact]
    public async Task WalkAsync_PreviousNAggregateJoinAndAny_ResolveAsDeclared()
    {
        var plan = JsonWriter("test.plan", new JsonArray("s1", "s2", "s3", "s4"));
        var text = new FuncRunner("test.text");
        var previous = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
        var shot = new FuncRunner("test.shot", ctx =>
        {
            var list = (ListInputValue)ctx.Inputs["shot"];
            previous[ctx.ItemId!] = string.Join("|", list.Items.Select(i => i.ItemId));
            return ValueTask.FromResult(Write(ctx, "shot " + ctx.ItemId));
        });
        string? joined = null;
        string? any = null;
        var final = new FuncRunner("test.final", ctx =>
        {
            joined = ctx.Inputs.GetText("shot");
            any = ctx.Inputs.GetText("plan");
            return ValueTask.FromResult(Write(ctx, "final"));
        });
        var bundle = Bundle("final",
            Stage("plan", tool: "test.plan", format: OutputFormat.Json),
            Collection("shot", "plan", tool: "test.shot", inputs: From("shot", InputScope.PreviousN, n: 2)),
            Stage("final", tool: "test.final", inputs: [
                From("shot", InputScope.All, aggregate: new AggregateSpec { Strategy = AggregateStrategy.Join, Separator = "+", Limit = 3 }),
                From("plan", InputScope.Any)]));

        var result = await new Walker([plan, text, shot, final]).WalkAsync(bundle, Options(_project));

        Assert.Equal(WalkStatus.Succeeded, result.Status);
        Assert.Equal(string.Empty, previous["s1"]);
        Assert.Equal("s1", previous["s2"]);
        Assert.Equal("s3|s2", previous["s4"]);
        Assert.Equal("shot s1+shot s2+shot s3", joined);
        Assert.Equal("[\"s1\",\"s2\",\"s3\",\"s4\"]", any);
    }

    [Fact]
    public async Task WalkAsync_BundleInputs_FileProjectAndDefaultResolved()
    {
        _project.WriteFile("inputs/story.md", "Once upon a time");
        _project.WriteFile("project.json", "{\"settings\":{\"aspect\":\"9:16\"}}");
        RunnerInputs? seen = null;
        var runner = new FuncRunner("test.text", ctx =>
        {
            seen = ctx.Inputs;
            return ValueTask.FromResult(Write(ctx, "x"));
        });
        var bundle = Bundle("a", Stage("a", inputs: [From("story"), From("aspect"), From("style")])) with
        {
            Inputs =
            [
                new BundleInputDeclaration { Id = "story", Kind = BundleInputKind.File, Path = "inputs/story.md" },
                new BundleInputDeclaration { Id = "aspect", Kind = BundleInputKind.Project, Field = "settings.aspect" },
                new BundleInputDeclaration { Id = "style", Kind = BundleInputKind.Project, Field = "style", Default = "noir" },
            ],
        };

        await new Walker([runner]).WalkAsync(bundle, Options(_project));

        Assert.Equal("Once upon a time", seen!.GetText("story"));
        Assert.Equal("9:16", seen.GetText("aspect"));
        Assert.Equal("noir", seen.GetText("style"));
    }

    [Fact]
    public async Task WalkAsync_RequiredBundleInputMissing_ThrowsBeforeAnyNodeRuns()
    {
        var runner = new FuncRunner("test.text");
        var bundle = Bundle("a", Stage("a", inputs: From("story"))) with
        {
            Inputs =
            [
                new BundleInputDeclaration { Id = "story", Kind = BundleInputKind.File, Path = "inputs/story.md" },
                new BundleInputDeclaration { Id = "topic", Kind = BundleInputKind.Project, Field = "topic" },
                new BundleInputDeclaration { Id = "optional", Kind = BundleInputKind.File, Path = "x.md", Required = false },
            ],
        };

        var e = await Assert.ThrowsAsync<DheeValidationException>(() => new Walker([runner]).WalkAsync(bundle, Options(_project)).AsTask());

        Assert.Equal(2, e.Problems.Count(p => p.Code == "walk.input-missing"));
        Assert.Contains("inputs/story.md", e.Message, StringComparison.Ordinal);
        Assert.Empty(runner.Calls);
    }

    [Fact]
    public async Task WalkAsync_BranchFails_IndependentBranchCompletesAndDescendantsBlocked()
    {
        var text = new FuncRunner("test.text");
        var broken = new FuncRunner("test.broken", _ => ValueTask.FromResult(RunnerResult.Failure(new RunnerError("model 'x' not found: install it", Code: "model.missing"))));
        var bundle = Bundle("final",
            Stage("bad", tool: "test.broken"),
            Stage("bad_child", inputs: From("bad")),
            Stage("good"),
            Stage("good_child", inputs: From("good")),
            Stage("final", inputs: [From("bad_child"), From("good_child")]));

        var result = await new Walker([text, broken]).WalkAsync(bundle, Options(_project));

        Assert.Equal(WalkStatus.Failed, result.Status);
        var failure = Assert.Single(result.Failures);
        Assert.Equal(("bad", null, "test.broken", "model.missing"), (failure.NodeId, failure.ItemId, failure.Tool, failure.Code));
        Assert.Contains("install it", failure.Message, StringComparison.Ordinal);
        Assert.Contains("good_child", text.Calls);
        Assert.Equal(InstanceStatus.Blocked, result.Traces.Single(t => t.NodeId == "bad_child").Status);
        Assert.Equal(InstanceStatus.Blocked, result.Traces.Single(t => t.NodeId == "final").Status);
        Assert.Equal(2, result.Blocked);
    }

    [Fact]
    public async Task WalkAsync_OneItemFails_OtherItemsCompleteAndFailureNamesItem()
    {
        var plan = JsonWriter("test.plan", new JsonArray("a", "b", "c"));
        var flaky = new FuncRunner("test.text", ctx => ValueTask.FromResult(ctx.ItemId == "b" ? RunnerResult.Failure("b is bad") : Write(ctx, "ok")));
        var bundle = Bundle("each", Stage("plan", tool: "test.plan", format: OutputFormat.Json), Collection("each", "plan"));

        var result = await new Walker([plan, flaky]).WalkAsync(bundle, Options(_project));

        var failure = Assert.Single(result.Failures);
        Assert.Equal(("each", "b"), (failure.NodeId, failure.ItemId));
        Assert.Equal(3, result.Completed); // plan, a, c
    }

    [Fact]
    public async Task WalkAsync_FailFast_StopsStartingNewNodes()
    {
        var text = new FuncRunner("test.text");
        var broken = new FuncRunner("test.broken", _ => ValueTask.FromResult(RunnerResult.Failure("boom")));
        var bundle = Bundle("final", Stage("bad", tool: "test.broken"), Stage("later1", inputs: From("x")), Stage("x"), Stage("final", inputs: [From("bad"), From("later1")]));
        var options = Options(_project, parallelism: 1);

        var result = await new Walker([text, broken]).WalkAsync(bundle, new WalkOptions
        {
            ProjectDir = options.ProjectDir, MaxParallelism = 1, FailFast = true, Cache = options.Cache, Retry = options.Retry, WatchStopFile = false,
        });

        Assert.Equal(WalkStatus.Failed, result.Status);
        Assert.Empty(text.Calls);
        Assert.True(result.NotStarted >= 2);
    }

    [Fact]
    public async Task WalkAsync_RunnerThrows_FailureCarriesTypeAndMessage()
    {
        var thrower = new FuncRunner("test.text", _ => throw new InvalidDataException("bad header in prompt.md"));

        var result = await new Walker([thrower]).WalkAsync(Bundle("a", Stage("a")), Options(_project));

        var failure = Assert.Single(result.Failures);
        Assert.Contains("System.IO.InvalidDataException", failure.Message, StringComparison.Ordinal);
        Assert.Contains("bad header in prompt.md", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WalkAsync_TransientFailure_RetriedUntilSuccess_PermanentNotRetried()
    {
        var calls = 0;
        var flaky = new FuncRunner("test.flaky", ctx => ValueTask.FromResult(Interlocked.Increment(ref calls) < 3 ? RunnerResult.Failure("503", isTransient: true) : Write(ctx, "ok")));
        var permanent = new FuncRunner("test.permanent", _ => ValueTask.FromResult(RunnerResult.Failure("bad config")));
        var bundle = Bundle("b", Stage("a", tool: "test.flaky"), Stage("b", tool: "test.permanent", inputs: From("a")));
        var events = new List<WalkEvent>();
        var options = new WalkOptions
        {
            ProjectDir = _project.Path,
            Cache = Dhee.Caching.GenerationCache.Disabled,
            WatchStopFile = false,
            Retry = new WalkRetryOptions { MaxRetryAttempts = 3, Delay = TimeSpan.FromMilliseconds(1), UseJitter = false },
            Progress = new SyncProgress(events.Add),
        };

        var result = await new Walker([flaky, permanent]).WalkAsync(bundle, options);

        Assert.Equal(3, result.Traces.Single(t => t.NodeId == "a").Attempts);
        Assert.Equal(InstanceStatus.Completed, result.Traces.Single(t => t.NodeId == "a").Status);
        Assert.Equal(1, result.Traces.Single(t => t.NodeId == "b").Attempts);
        Assert.Equal(2, events.Count(e => e.Kind == WalkEventKind.NodeRetrying));
    }

    [Fact]
    public async Task WalkAsync_SuccessWithoutOutputFile_FailsNamingRunner()
    {
        var liar = new FuncRunner("test.liar", ctx => ValueTask.FromResult(RunnerResult.Success(ctx.OutputPath)));

        var result = await new Walker([liar]).WalkAsync(Bundle("a", Stage("a", tool: "test.liar")), Options(_project));

        var failure = Assert.Single(result.Failures);
        Assert.Equal("walk.output-missing", failure.Code);
        Assert.Contains("runner 'test.liar'", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WalkAsync_RunnerWritesStraightToItsOutput_FolderAlreadyCreated()
    {
        var direct = new FuncRunner("test.direct", ctx =>
        {
            File.WriteAllText(ctx.OutputFullPath, "x"); // no CreateDirectory: the walker made the folder
            return ValueTask.FromResult(RunnerResult.Success(ctx.OutputPath));
        });

        var result = await new Walker([direct]).WalkAsync(Bundle("a", Stage("a", tool: "test.direct", pattern: "deep/er/still/a.txt")), Options(_project));

        Assert.Equal(WalkStatus.Succeeded, result.Status);
        Assert.Equal("x", File.ReadAllText(Path.Combine(_project.Path, "deep/er/still/a.txt")));
    }

    [Fact]
    public async Task WalkAsync_OutputFolderBlockedByAFile_FailsNamingTheFolder()
    {
        _project.WriteFile("out", "not a folder");
        var runner = new FuncRunner("test.text");

        var result = await new Walker([runner]).WalkAsync(Bundle("a", Stage("a")), Options(_project));

        var failure = Assert.Single(result.Failures);
        Assert.Contains("node a: output path 'out/a.txt' cannot be used", failure.Message, StringComparison.Ordinal);
        Assert.Contains("its folder 'out' cannot be created", failure.Message, StringComparison.Ordinal);
        Assert.Empty(runner.Calls);
    }

    [Fact]
    public async Task PlanAsync_ChainOfFiftyThousandNodes_PlansWithoutRecursing()
    {
        // Planning walks the graph depth-first; a recursive walk of this chain would overflow the thread's stack.
        var nodes = Enumerable.Range(0, 50_000).Select(i => Stage($"n{i}", inputs: i == 0 ? [] : [From($"n{i - 1}")])).ToArray();

        var plan = await new Walker([new FuncRunner("test.text")]).PlanAsync(Bundle("n49999", nodes), Options(_project));

        Assert.Equal(50_000, plan.Instances.Count);
        Assert.Equal("never ran", plan.Instances.Single(i => i.NodeId == "n0").Reason);
    }

    [Fact]
    public async Task WalkAsync_OutputOutsideProject_FailsNamingRunner()
    {
        using var elsewhere = new TestProjectDirectory("dhee-elsewhere");
        var outside = elsewhere.WriteFile("x.txt", "x");
        var escaper = new FuncRunner("test.escape", _ => ValueTask.FromResult(RunnerResult.Success(outside)));
        var relative = new FuncRunner("test.relative", _ => ValueTask.FromResult(RunnerResult.Success("../x.txt")));

        var result = await new Walker([escaper, relative]).WalkAsync(Bundle("final", Stage("a", tool: "test.escape"), Stage("b", tool: "test.relative"), Stage("final", tool: "test.relative", inputs: [From("a"), From("b")])), Options(_project));

        Assert.Equal(2, result.Failures.Count);
        Assert.All(result.Failures, f => Assert.Equal("walk.output-outside", f.Code));
        Assert.Contains(result.Failures, f => f.Message.Contains("runner 'test.escape'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WalkAsync_Cancelled_ReturnsCancelledPromptlyAndResumeRunsTheRest()
    {
        var started = new TaskCompletionSource();
        var slow = new FuncRunner("test.slow", async ctx =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ctx.CancellationToken);
            return Write(ctx, "never");
        });
        var text = new FuncRunner("test.text");
        var bundle = Bundle("b", Stage("a"), Stage("slow", tool: "test.slow", inputs: From("a")), Stage("b", inputs: From("slow")));
        using var cts = new CancellationTokenSource();

        var walk = new Walker([slow, text]).WalkAsync(bundle, Options(_project), cts.Token).AsTask();
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        cts.Cancel();
        var result = await walk.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(WalkStatus.Cancelled, result.Status);
        Assert.Equal(InstanceStatus.Cancelled, result.Traces.Single(t => t.NodeId == "slow").Status);
        Assert.Equal(InstanceStatus.NotStarted, result.Traces.Single(t => t.NodeId == "b").Status);
        Assert.Equal(WalkStateStatus.Interrupted, Walker.ReadState(_project.Path).Single(e => e.NodeId == "slow").Status);

        var fast = new FuncRunner("test.slow");
        var resumed = await new Walker([fast, text]).WalkAsync(bundle, Options(_project));
        Assert.Equal(WalkStatus.Succeeded, resumed.Status);
        Assert.Equal(1, resumed.Skipped);
        Assert.Equal(["slow"], fast.Calls);
    }

    [Fact]
    public async Task WalkAsync_StopRequestedFromOutside_Cancels()
    {
        var started = new TaskCompletionSource();
        var slow = new FuncRunner("test.slow", async ctx =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ctx.CancellationToken);
            return Write(ctx, "never");
        });
        var options = Options(_project);
        var walk = new Walker([slow]).WalkAsync(Bundle("a", Stage("a", tool: "test.slow")), new WalkOptions
        {
            ProjectDir = options.ProjectDir, Cache = options.Cache, Retry = options.Retry, WatchStopFile = true,
        }).AsTask();
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Walker.RequestStop(_project.Path);

        Assert.Equal(WalkStatus.Cancelled, (await walk.WaitAsync(TimeSpan.FromSeconds(30))).Status);
    }

    [Fact]
    public async Task WalkAsync_BudgetCap_StopsBeforePaidNodeAndResumesWhenRaised()
    {
        var paid = new FuncRunner("test.paid", ctx => ValueTask.FromResult(Write(ctx, "img", new JsonObject { ["costUsd"] = 1.0 })), CostHint.PaidApi);
        var free = new FuncRunner("test.text");
        var bundle = Bundle("final", Stage("p1", tool: "test.paid"), Stage("p2", tool: "test.paid", inputs: From("p1")), Stage("p3", tool: "test.paid", inputs: From("p2")), Stage("final", inputs: From("p3")));
        WalkOptions Capped(decimal cap) => new() { ProjectDir = _project.Path, MaxParallelism = 1, BudgetCapUsd = cap, Cache = Dhee.Caching.GenerationCache.Disabled, WatchStopFile = false };

        var first = await new Walker([paid, free]).WalkAsync(bundle, Capped(1.5m));
        Assert.Equal(WalkStatus.BudgetExceeded, first.Status);
        Assert.Equal(2m, first.SpentUsd);
        Assert.Equal("p3", first.BudgetStoppedAt);

        var again = await new Walker([paid, free]).WalkAsync(bundle, Capped(1.5m));
        Assert.Equal(WalkStatus.BudgetExceeded, again.Status);
        Assert.Equal(2, paid.Calls.Count);

        var raised = await new Walker([paid, free]).WalkAsync(bundle, Capped(10m));
        Assert.Equal(WalkStatus.Succeeded, raised.Status);
        Assert.Equal(3m, raised.SpentUsd);
        Assert.Equal(["p1", "p2", "p3"], paid.Calls);
    }

    [Fact]
    public async Task WalkAsync_IndependentNodes_RunInParallelUpToLimit()
    {
        var gate = new SemaphoreSlim(0);
        var runner = new FuncRunner("test.text", async ctx =>
        {
            await Task.Delay(50, ctx.CancellationToken);
            return Write(ctx, "x");
        });
        var nodes = Enumerable.Range(0, 12).Select(i => Stage($"n{i}")).ToList();
        var bundle = Bundle("final", [.. nodes, Stage("final", inputs: [.. nodes.Select(n => From(n.Id))])]);

        var result = await new Walker([runner]).WalkAsync(bundle, Options(_project, parallelism: 3));

        Assert.Equal(WalkStatus.Succeeded, result.Status);
        Assert.True(runner.MaxObservedConcurrency <= 3, $"observed {runner.MaxObservedConcurrency}");
        Assert.True(runner.MaxObservedConcurrency >= 2, $"observed {runner.MaxObservedConcurrency}");
    }

    [Fact]
    public async Task WalkAsync_ToolAndEndpointLimits_AreRespected()
    {
        var limited = new FuncRunner("test.gpu", async ctx =>
        {
            await Task.Delay(20, ctx.CancellationToken);
            return Write(ctx, "x");
        }, maxConcurrency: 1);
        var endpoint = new FuncRunner("test.comfy", async ctx =>
        {
            await Task.Delay(20, ctx.CancellationToken);
            return Write(ctx, "x");
        });
        var config = new JsonObject { ["endpoint"] = "local" };
        var gpuNodes = Enumerable.Range(0, 5).Select(i => Stage($"g{i}", tool: "test.gpu")).ToList();
        var comfyNodes = Enumerable.Range(0, 5).Select(i => Stage($"c{i}", tool: "test.comfy", config: (JsonObject)config.DeepClone())).ToList();
        var all = gpuNodes.Concat(comfyNodes).ToList();
        var bundle = Bundle("final", [.. all, Stage("final", tool: "test.gpu", inputs: [.. all.Select(n => From(n.Id))])]);
        var options = Options(_project, parallelism: 8);

        var result = await new Walker([limited, endpoint]).WalkAsync(bundle, new WalkOptions
        {
            ProjectDir = options.ProjectDir, MaxParallelism = 8, Cache = options.Cache, Retry = options.Retry, WatchStopFile = false,
            ResourceConcurrency = new Dictionary<string, int> { ["endpoint:local"] = 2 },
        });

        Assert.Equal(WalkStatus.Succeeded, result.Status);
        Assert.Equal(1, limited.MaxObservedConcurrency);
        Assert.True(endpoint.MaxObservedConcurrency <= 2, $"observed {endpoint.MaxObservedConcurrency}");
    }

    [Fact]
    public async Task WalkAsync_ReadyLlmAndMediaNodes_LlmFirst()
    {
        var order = new System.Collections.Concurrent.ConcurrentQueue<string>();
        FuncRunner Recording(string id) => new(id, ctx =>
        {
            order.Enqueue(ctx.Node.Id);
            return ValueTask.FromResult(Write(ctx, "x"));
        });
        var bundle = Bundle("final",
            Stage("image1", tool: "comfy.tti"),
            Stage("image2", tool: "comfy.tti"),
            Stage("plan1", tool: "llm.generate"),
            Stage("plan2", tool: "llm.generate"),
            Stage("final", tool: "comfy.tti", inputs: [From("image1"), From("image2"), From("plan1"), From("plan2")]));

        await new Walker([Recording("comfy.tti"), Recording("llm.generate")]).WalkAsync(bundle, Options(_project, parallelism: 1));

        Assert.Equal(["plan1", "plan2", "image1", "image2", "final"], order);
    }

    [Fact]
    public async Task StreamAsync_Events_SequencedPersistedAndContinuedAcrossWalks()
    {
        var runner = new FuncRunner("test.text", ctx =>
        {
            ctx.ReportProgress(0.5, "half");
            return ValueTask.FromResult(Write(ctx, "x"));
        });
        var bundle = Bundle("b", Stage("a"), Stage("b", inputs: From("a")));
        var events = new List<WalkEvent>();
        await foreach (var e in new Walker([runner]).StreamAsync(bundle, Options(_project)))
        {
            events.Add(e);
        }

        Assert.Equal(WalkEventKind.WalkStarted, events[0].Kind);
        Assert.Equal(WalkEventKind.WalkFinished, events[^1].Kind);
        Assert.Equal(WalkStatus.Succeeded, events[^1].Result!.Status);
        Assert.Contains(events, e => e is { Kind: WalkEventKind.NodeProgress, Progress: 0.5, Message: "half" });
        Assert.Equal(2, events.Count(e => e.Kind == WalkEventKind.NodeCompleted));
        Assert.True(events.Zip(events.Skip(1)).All(p => p.Second.Sequence == p.First.Sequence + 1));

        await new Walker([runner]).WalkAsync(bundle, Options(_project));
        var persisted = Walker.ReadEvents(_project.Path);
        Assert.Equal(events.Count, persisted.Count(e => e.WalkId == events[0].WalkId));
        Assert.True(persisted.Zip(persisted.Skip(1)).All(p => p.Second.Sequence > p.First.Sequence));
        Assert.Equal(2, persisted.Count(e => e.Kind == WalkEventKind.NodeSkipped));
    }

    [Fact]
    public async Task WalkAsync_EventLog_WritesCamelCaseLinesWithoutNulls()
    {
        var runner = new FuncRunner("test.text", ctx => ValueTask.FromResult(Write(ctx, "x")));
        await new Walker([runner]).WalkAsync(Bundle("a", Stage("a")), Options(_project));

        var lines = File.ReadAllLines(Path.Combine(_project.Path, ".dhee", "events.jsonl"));
        Assert.StartsWith("{\"sequence\":1,\"timestamp\":", lines[0], StringComparison.Ordinal);
        Assert.Contains("\"kind\":\"walkStarted\"", lines[0], StringComparison.Ordinal);
        var completed = Assert.Single(lines, l => l.Contains("\"kind\":\"nodeCompleted\"", StringComparison.Ordinal));
        Assert.Contains("\"nodeId\":\"a\"", completed, StringComparison.Ordinal);
        Assert.DoesNotContain("null", string.Concat(lines), StringComparison.Ordinal);
        Assert.DoesNotContain("\"result\"", lines[^1], StringComparison.Ordinal);
    }

    public void Dispose() => _project.Dispose();
}

internal sealed class SyncProgress(Action<WalkEvent> report) : IProgress<WalkEvent>
{
    public void Report(WalkEvent value) => report(value);
}

public sealed class WalkerRegistryTests : IDisposable
{
    private readonly TestProjectDirectory _project = new("dhee-walk-registry");

    [Fact]
    public async Task WalkAsync_WithRegistry_RunsRegisteredRunnersAndReportsMissingOnce()
    {
        var registry = new Dhee.Registry.RunnerRegistry();
        var runner = new FuncRunner("test.text");
        registry.Register(new RunnerManifest { Tool = "test.text", Version = "1.0.0", EngineCompat = "*" }, runner);

        var ok = await new Walker(registry).WalkAsync(Bundle("a", Stage("a")), Options(_project));
        Assert.Equal(WalkStatus.Succeeded, ok.Status);

        var e = await Assert.ThrowsAsync<DheeValidationException>(() => new Walker(registry).WalkAsync(Bundle("b", Stage("b", tool: "missing.tool")), Options(_project)).AsTask());
        Assert.Single(e.Problems, p => p.Message.Contains("missing.tool", StringComparison.Ordinal));
    }

    public void Dispose() => _project.Dispose();
}
