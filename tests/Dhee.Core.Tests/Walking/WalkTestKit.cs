using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Dhee.Bundles;
using Dhee.Caching;
using Dhee.Runners;
using Dhee.Testing;
using Dhee.Walking;

namespace Dhee.Tests.Walking;

/// <summary>A runner whose behaviour is a delegate; records every call.</summary>
internal sealed class FuncRunner : IRunner
{
    private readonly Func<RunnerContext, ValueTask<RunnerResult>> _run;
    private int _concurrent;

    public FuncRunner(string id, Func<RunnerContext, ValueTask<RunnerResult>>? run = null, CostHint cost = CostHint.Free, int? maxConcurrency = null)
    {
        Id = id;
        _run = run ?? (ctx => ValueTask.FromResult(WalkTestKit.Write(ctx, WalkTestKit.DefaultContent(ctx))));
        Cost = cost;
        MaxConcurrency = maxConcurrency;
    }

    public string Id { get; }

    public CostHint Cost { get; }

    public int? MaxConcurrency { get; }

    public ConcurrentQueue<string> Calls { get; } = new();

    public int MaxObservedConcurrency;

    public RunnerDescription Describe() => new() { Id = Id, DisplayName = Id, CostHint = Cost, MaxConcurrency = MaxConcurrency };

    public async ValueTask<RunnerResult> RunAsync(RunnerContext context)
    {
        var now = Interlocked.Increment(ref _concurrent);
        InterlockedMax(ref MaxObservedConcurrency, now);
        try
        {
            Calls.Enqueue(context.ItemId is null ? context.Node.Id : $"{context.Node.Id}[{context.ItemId}]");
            return await _run(context);
        }
        finally
        {
            Interlocked.Decrement(ref _concurrent);
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}

internal static class WalkTestKit
{
    public static string DefaultContent(RunnerContext ctx)
        => $"{ctx.Node.Id}{(ctx.ItemId is null ? string.Empty : "/" + ctx.ItemId)}<-" + string.Join(",", ctx.Inputs.Keys.Order(StringComparer.Ordinal));

    public static RunnerResult Write(RunnerContext ctx, string content, JsonObject? metadata = null)
    {
        var full = ctx.OutputFullPath;
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return RunnerResult.Success(ctx.OutputPath, metadata);
    }

    public static BundleNode Stage(string id, string tool = "test.text", string? pattern = null, OutputFormat format = OutputFormat.Text, JsonObject? config = null, params NodeInput[] inputs) => new()
    {
        Id = id,
        Kind = NodeKind.Stage,
        Inputs = inputs,
        Outputs = new NodeOutputs { Format = format, Pattern = pattern ?? $"out/{id}.{Ext(format)}" },
        Runner = new NodeRunner { Tool = tool, Config = config ?? [] },
    };

    public static BundleNode Collection(string id, string itemSource, string tool = "test.text", string? itemKey = null, string? pattern = null, OutputFormat format = OutputFormat.Text, bool allowEmpty = false, JsonObject? config = null, params NodeInput[] inputs) => new()
    {
        Id = id,
        Kind = NodeKind.Collection,
        ItemSource = itemSource,
        ItemKey = itemKey,
        AllowEmptyItems = allowEmpty,
        Inputs = inputs,
        Outputs = new NodeOutputs { Format = format, Pattern = pattern ?? $"out/{id}/{{{{item_id}}}}.{Ext(format)}" },
        Runner = new NodeRunner { Tool = tool, Config = config ?? [] },
    };

    public static NodeInput From(string from, InputScope scope = InputScope.Matching, int n = 5, AggregateSpec? aggregate = null)
        => new() { From = from, Scope = scope, N = n, Aggregate = aggregate };

    public static Bundle Bundle(string goal, params BundleNode[] nodes) => new() { Id = "test", Goal = goal, Nodes = nodes };

    public static WalkOptions Options(TestProjectDirectory project, string? to = null, int parallelism = 4) => new()
    {
        ProjectDir = project.Path,
        To = to,
        MaxParallelism = parallelism,
        Cache = GenerationCache.Disabled,
        Retry = new WalkRetryOptions { MaxRetryAttempts = 0 },
        WatchStopFile = false,
    };

    /// <summary>A runner writing a JSON document (for item sources).</summary>
    public static FuncRunner JsonWriter(string id, JsonNode json)
        => new(id, ctx => ValueTask.FromResult(Write(ctx, json.ToJsonString())));

    private static string Ext(OutputFormat format) => format switch
    {
        OutputFormat.Json => "json",
        OutputFormat.Image => "png",
        OutputFormat.Video => "mp4",
        OutputFormat.Audio => "wav",
        OutputFormat.Markdown => "md",
        _ => "txt",
    };
}
