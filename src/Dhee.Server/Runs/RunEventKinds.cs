namespace Dhee.Server.Runs;

/// <summary>The event kinds the server and the walker emit. Executors may emit others; clients ignore unknown kinds.</summary>
public static class RunEventKinds
{
    /// <summary>The run started executing. Payload: <c>{dagRunId, resumed}</c>.</summary>
    public const string RunStarted = "run.started";

    /// <summary>The run stopped. Payload: <c>{status, totalCredits}</c>. The last event of an execution.</summary>
    public const string RunFinished = "run.finished";

    /// <summary>The walk began. Payload: <c>{nodes: [{id, tool, dependsOn, kind}]}</c>.</summary>
    public const string WalkStarted = "walk.started";

    /// <summary>A node (or one item of a collection node) started.</summary>
    public const string NodeStarted = "node.started";

    /// <summary>A node reported progress. Payload: <c>{fraction, message}</c>.</summary>
    public const string NodeProgress = "node.progress";

    /// <summary>A node finished. Payload: <c>{output, preview, credits}</c>.</summary>
    public const string NodeCompleted = "node.completed";

    /// <summary>A node's output came from the cache or an earlier run.</summary>
    public const string NodeCached = "node.cached";

    /// <summary>A node was skipped.</summary>
    public const string NodeSkipped = "node.skipped";

    /// <summary>A node failed. Payload: <c>{runner, message}</c>.</summary>
    public const string NodeFailed = "node.failed";

    /// <summary>A node cannot run because an upstream node failed.</summary>
    public const string NodeBlocked = "node.blocked";

    /// <summary>The walk ended.</summary>
    public const string WalkFinished = "walk.finished";
}
