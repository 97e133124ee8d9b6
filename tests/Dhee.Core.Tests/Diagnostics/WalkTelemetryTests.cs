using System.Diagnostics;
using System.Text.Json.Nodes;
using Dhee.Caching;
using Dhee.Runners;
using Dhee.Testing;
using Dhee.Tests.Walking;
using Dhee.Walking;
using static Dhee.Tests.Walking.WalkTestKit;

namespace Dhee.Tests.Diagnostics;

public sealed class WalkTelemetryTests : IDisposable
{
    private readonly TestProjectDirectory _dir = new("walk-telemetry");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Walk_CachedAndFailedNodes_WalkNodeItemSpansAndNodeMetrics()
    {
        var cacheRoot = Path.Combine(_dir.Path, "cache");
        var runners = new IRunner[]
        {
            // A stage node following the cache protocol through the real generation cache.
            new FuncRunner("test.cached", async ctx =>
            {
                var cache = ctx.Cache!;
                var hash = await cache.ComputeHashAsync(new InputsHashKey { Tool = "test.cached", ToolVersion = "1", Inputs = new JsonObject { ["topic"] = "owls" } }, ctx.CancellationToken);
                if (await cache.TryGetAsync(hash, ctx.CancellationToken) is { } hit)
                {
                    await cache.RestoreAsync(hit, ctx.OutputFullPath, ctx.CancellationToken);
                    return RunnerResult.Success(ctx.OutputPath, new JsonObject { [RunnerMetadataKeys.Cached] = true });
                }

                Write(ctx, "owls");
                await cache.PutAsync(hash, ctx.OutputFullPath, null, ctx.CancellationToken);
                return RunnerResult.Success(ctx.OutputPath, new JsonObject { [RunnerMetadataKeys.CostUsd] = 0.5 });
            }),
            JsonWriter("test.items", new JsonArray("a", "b", "c")),
            new FuncRunner("test.per", ctx => ValueTask.FromResult(ctx.ItemId == "b"
                ? RunnerResult.Failure(new RunnerError("item b cannot be drawn", false, "test.refused"))
                : Write(ctx, ctx.ItemId!, new JsonObject { [RunnerMetadataKeys.CostUsd] = 0.25 }))),
        };
        var bundle = Bundle(
            "per",
            Stage("intro", "test.cached"),
            Stage("items", "test.items", format: Dhee.Bundles.OutputFormat.Json),
            Collection("per", "items", "test.per", inputs: [From("intro")]));
        WalkOptions Options(string project) => new()
        {
            ProjectDir = Path.Combine(_dir.Path, project),
            Cache = GenerationCache.Open(new GenerationCacheOptions { Root = cacheRoot }),
            Retry = new WalkRetryOptions { MaxRetryAttempts = 0 },
            WatchStopFile = false,
        };
        var walker = new Walker(runners);
        using (var first = new TelemetryCapture(nameof(Walk_CachedAndFailedNodes_WalkNodeItemSpansAndNodeMetrics) + "-first"))
        {
            await walker.WalkAsync(bundle, Options("first"));
            Assert.Contains(first.Named("dhee.cost"), m => m.Value == 0.5 && (string?)m.Tag("dhee.tool") == "test.cached");
            Assert.Contains(first.Named("dhee.cache.misses"), m => m.Value == 1);
        }

        using var capture = new TelemetryCapture(nameof(Walk_CachedAndFailedNodes_WalkNodeItemSpansAndNodeMetrics));

        var result = await walker.WalkAsync(bundle, Options("second"));

        Assert.Equal(WalkStatus.Failed, result.Status);
        Assert.Equal(1, result.Cached);

        var walk = Assert.Single(capture.SpansNamed("dhee.walk"));
        Assert.Equal(ActivityStatusCode.Error, walk.Status);
        Assert.Equal("test", walk.GetTagItem("dhee.bundle.id"));
        Assert.Equal("per", walk.GetTagItem("dhee.walk.target"));
        Assert.Equal("failed", walk.GetTagItem("dhee.walk.status"));
        Assert.Equal(3, walk.GetTagItem("dhee.walk.nodes"));

        var nodes = capture.SpansNamed("dhee.node").ToDictionary(a => (string)a.GetTagItem("dhee.node.id")!);
        Assert.Equal(["intro", "items", "per"], nodes.Keys.Order(StringComparer.Ordinal));
        Assert.All(nodes.Values, n => Assert.Equal(walk.SpanId, n.ParentSpanId));

        var intro = nodes["intro"];
        Assert.Equal("test.cached", intro.GetTagItem("dhee.tool"));
        Assert.Equal(true, intro.GetTagItem("dhee.cache.hit"));
        Assert.Equal("cached", intro.GetTagItem("dhee.node.outcome"));
        Assert.Equal(ActivityStatusCode.Unset, intro.Status);

        var per = nodes["per"];
        Assert.Equal(ActivityStatusCode.Error, per.Status);
        Assert.Equal(3, per.GetTagItem("dhee.node.items"));
        var items = capture.SpansNamed("dhee.item").ToDictionary(a => (string)a.GetTagItem("dhee.item.id")!);
        Assert.Equal(["a", "b", "c"], items.Keys.Order(StringComparer.Ordinal));
        Assert.All(items.Values, i => Assert.Equal(per.SpanId, i.ParentSpanId));
        Assert.All(items.Values, i => Assert.Equal("per", i.GetTagItem("dhee.node.id")));
        Assert.All(items.Values, i => Assert.True(i.StartTimeUtc >= per.StartTimeUtc && i.StartTimeUtc + i.Duration <= per.StartTimeUtc + per.Duration));
        var failed = items["b"];
        Assert.Equal(ActivityStatusCode.Error, failed.Status);
        Assert.Equal("item b cannot be drawn", failed.StatusDescription);
        Assert.Equal("test.refused", failed.GetTagItem("error.type"));
        Assert.Equal("failed", failed.GetTagItem("dhee.node.outcome"));
        Assert.Equal(ActivityStatusCode.Unset, items["a"].Status);
        Assert.Equal(false, items["a"].GetTagItem("dhee.cache.hit"));
        Assert.Equal(0.25, items["a"].GetTagItem("dhee.cost.usd"));
        Assert.Equal(1, items["a"].GetTagItem("dhee.attempts"));

        static string? Tool(TelemetryCapture.Measurement m) => (string?)m.Tag("dhee.tool");
        Assert.Equal(1, capture.Named("dhee.nodes.cached").Where(m => Tool(m) == "test.cached").Sum(m => m.Value));
        Assert.Equal(2, capture.Named("dhee.nodes.run").Where(m => Tool(m) == "test.per").Sum(m => m.Value));
        Assert.Equal(1, capture.Named("dhee.nodes.run").Where(m => Tool(m) == "test.items").Sum(m => m.Value));
        var failures = capture.Named("dhee.nodes.failed");
        var failure = Assert.Single(failures);
        Assert.Equal("test.per", Tool(failure));
        Assert.Equal("test.refused", failure.Tag("error.type"));
        Assert.Equal(0.5, capture.Named("dhee.cost").Where(m => Tool(m) == "test.per").Sum(m => m.Value));
        Assert.DoesNotContain(capture.Named("dhee.cost"), m => Tool(m) == "test.cached"); // a cache hit costs nothing
        Assert.Equal(1, capture.Named("dhee.cache.hits").Sum(m => m.Value));
        var durations = capture.Named("dhee.node.duration");
        Assert.Equal(5, durations.Count);
        Assert.All(durations, d => Assert.Equal("s", d.Unit));
        Assert.All(durations, d => Assert.True(d.Value >= 0));
        Assert.Equal(["cached", "failed", "run", "run", "run"], durations.Select(d => (string)d.Tag("dhee.node.outcome")!).Order(StringComparer.Ordinal));
    }
}
