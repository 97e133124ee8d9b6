using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Dhee.Bundles;
using Dhee.Caching;
using Dhee.Runners;
using Dhee.Walking;

namespace Dhee.WalkerHost;

/// <summary>
/// The pipeline the crash tests walk: a JSON plan, two chained collections over its items (fan-through), a previousN
/// chain, independent stages and an aggregating goal. Every runner call appends "&lt;label&gt; &lt;key&gt;" to a marker log
/// before it works, sleeps a little, and writes a deterministic output atomically (temp file + rename).
/// </summary>
public static class CrashTestPipeline
{
    /// <summary>Gets the bundle.</summary>
    public static Bundle Bundle { get; } = new()
    {
        Id = "crash-test",
        Goal = "final",
        Nodes =
        [
            Node("plan", NodeKind.Stage, "crash.plan", "plan.json", OutputFormat.Json),
            Node("draft", NodeKind.Collection, "crash.work", "drafts/{{item_id}}.txt", OutputFormat.Text, itemSource: "plan", inputs: [new NodeInput { From = "plan" }]),
            Node("render", NodeKind.Collection, "crash.work", "renders/{{item_id}}.txt", OutputFormat.Text, itemSource: "draft",
                inputs: [new NodeInput { From = "draft" }, new NodeInput { From = "render", Scope = InputScope.PreviousN, N = 1 }]),
            Node("music", NodeKind.Stage, "crash.work", "music.txt", OutputFormat.Text),
            Node("titles", NodeKind.Stage, "crash.work", "titles.txt", OutputFormat.Text, inputs: [new NodeInput { From = "plan" }]),
            Node("final", NodeKind.Stage, "crash.work", "final.txt", OutputFormat.Text,
                inputs: [new NodeInput { From = "render", Scope = InputScope.All }, new NodeInput { From = "music" }, new NodeInput { From = "titles" }]),
        ],
    };

    /// <summary>Creates the walker with runners that log to <paramref name="markerPath"/> under <paramref name="label"/>.</summary>
    public static Walker CreateWalker(string markerPath, string label, int seed)
    {
        var random = new Random(seed);
        return new Walker([new PlanRunner(markerPath, label), new WorkRunner(markerPath, label, random)]);
    }

    /// <summary>Creates the walk options for a project.</summary>
    public static WalkOptions Options(string projectDir) => new()
    {
        ProjectDir = projectDir,
        MaxParallelism = 4,
        Cache = GenerationCache.Disabled,
        WatchStopFile = false,
        Retry = new WalkRetryOptions { MaxRetryAttempts = 0 },
    };

    private static BundleNode Node(string id, NodeKind kind, string tool, string pattern, OutputFormat format, string? itemSource = null, NodeInput[]? inputs = null) => new()
    {
        Id = id,
        Kind = kind,
        ItemSource = itemSource,
        Inputs = inputs ?? [],
        Outputs = new NodeOutputs { Format = format, Pattern = "out/" + pattern },
        Runner = new NodeRunner { Tool = tool },
    };

    private static void Mark(string markerPath, string label, RunnerContext context)
    {
        var key = context.ItemId is null ? context.Node.Id : $"{context.Node.Id}:{context.ItemId}";
        using var stream = new FileStream(markerPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        stream.Write(Encoding.UTF8.GetBytes($"{label} {key}\n"));
        stream.Flush(flushToDisk: true);
    }

    private static RunnerResult WriteAtomically(RunnerContext context, string content)
    {
        var full = context.OutputFullPath;
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + ".tmp-" + Guid.NewGuid().ToString("N");
        File.WriteAllText(temp, content);
        File.Move(temp, full, overwrite: true);
        return RunnerResult.Success(context.OutputPath);
    }

    private sealed class PlanRunner(string markerPath, string label) : IRunner
    {
        public RunnerDescription Describe() => new() { Id = "crash.plan", DisplayName = "plan" };

        public ValueTask<RunnerResult> RunAsync(RunnerContext context)
        {
            Mark(markerPath, label, context);
            var items = new JsonArray([.. Enumerable.Range(1, 8).Select(i => (JsonNode)new JsonObject { ["id"] = $"Shot {i}" })]);
            return ValueTask.FromResult(WriteAtomically(context, new JsonObject { ["shots"] = items }.ToJsonString()));
        }
    }

    private sealed class WorkRunner(string markerPath, string label, Random random) : IRunner
    {
        public RunnerDescription Describe() => new() { Id = "crash.work", DisplayName = "work" };

        public async ValueTask<RunnerResult> RunAsync(RunnerContext context)
        {
            Mark(markerPath, label, context);
            int delay;
            lock (random)
            {
                delay = random.Next(5, 40);
            }

            await Task.Delay(delay, context.CancellationToken);
            var digest = new StringBuilder();
            foreach (var key in context.Inputs.Keys.Order(StringComparer.Ordinal))
            {
                var text = context.Inputs[key].ToText();
                digest.Append(key).Append('=').Append(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Normalize(text, context.ProjectDir))))[..12]).Append(';');
            }

            return WriteAtomically(context, $"{context.Node.Id}/{context.ItemId}: {digest}");
        }

        // Absolute paths differ between projects; compare contents by project-relative form.
        private static string Normalize(string text, string projectDir) => text.Replace(projectDir, "<project>", StringComparison.Ordinal);
    }
}
