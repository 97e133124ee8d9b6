namespace Dhee.Diagnostics;

/// <summary>The tag (attribute) names Dhee puts on its spans and measurements; documented in docs/observability.md.</summary>
internal static class TelemetryTags
{
    /// <summary>The walk's id (the one in <c>.dhee/events.jsonl</c>).</summary>
    public const string WalkId = "dhee.walk.id";

    /// <summary>The bundle's id.</summary>
    public const string BundleId = "dhee.bundle.id";

    /// <summary>The node the walk runs towards.</summary>
    public const string WalkTarget = "dhee.walk.target";

    /// <summary>The walk's final status (<c>succeeded</c>, <c>failed</c>, <c>cancelled</c>, <c>budgetexceeded</c>).</summary>
    public const string WalkStatus = "dhee.walk.status";

    /// <summary>How many nodes the walk planned.</summary>
    public const string WalkNodes = "dhee.walk.nodes";

    /// <summary>A node's id.</summary>
    public const string NodeId = "dhee.node.id";

    /// <summary>A collection item's id.</summary>
    public const string ItemId = "dhee.item.id";

    /// <summary>The runner's tool id.</summary>
    public const string Tool = "dhee.tool";

    /// <summary>How an instance ended: <c>run</c>, <c>cached</c>, <c>failed</c> or <c>cancelled</c>.</summary>
    public const string Outcome = "dhee.node.outcome";

    /// <summary>Whether the output came from the generation cache.</summary>
    public const string CacheHit = "dhee.cache.hit";

    /// <summary>How many times the runner was called (retries included).</summary>
    public const string Attempts = "dhee.attempts";

    /// <summary>What the runner reported spending, in US dollars.</summary>
    public const string CostUsd = "dhee.cost.usd";

    /// <summary>How many items a collection node had.</summary>
    public const string Items = "dhee.node.items";

    /// <summary>The endpoint name a node used (never its address or credentials).</summary>
    public const string Endpoint = "dhee.endpoint";

    /// <summary>The endpoint kind: <c>comfyui</c> or <c>runpod</c>.</summary>
    public const string EndpointKind = "dhee.endpoint.kind";

    /// <summary>The <see cref="Endpoints.EndpointKind"/> value of ComfyUI servers and pools.</summary>
    public const string ComfyUIKind = "comfyui";

    /// <summary>The <see cref="Endpoints.EndpointKind"/> value of RunPod serverless endpoints.</summary>
    public const string RunPodKind = "runpod";

    /// <summary>The ComfyUI prompt id (the RunPod job id on RunPod endpoints).</summary>
    public const string PromptId = "dhee.comfy.prompt_id";

    /// <summary>A prompt's final status (<c>succeeded</c>, <c>failed</c>, <c>interrupted</c>, <c>lost</c>, <c>timedout</c>).</summary>
    public const string PromptStatus = "dhee.comfy.status";

    /// <summary>Bytes written by a download.</summary>
    public const string Bytes = "dhee.download.bytes";

    /// <summary>The RunPod endpoint id.</summary>
    public const string RunPodEndpointId = "dhee.runpod.endpoint_id";

    /// <summary>The RunPod job id.</summary>
    public const string RunPodJobId = "dhee.runpod.job_id";

    /// <summary>The RunPod job's final status as RunPod spells it (<c>COMPLETED</c>, <c>FAILED</c>, …).</summary>
    public const string RunPodStatus = "dhee.runpod.status";

    /// <summary>How long the job stayed <c>IN_QUEUE</c>, in milliseconds, as RunPod reports it.</summary>
    public const string RunPodDelayMs = "dhee.runpod.delay_ms";

    /// <summary>How long the job ran, in milliseconds, as RunPod reports it.</summary>
    public const string RunPodExecutionMs = "dhee.runpod.execution_ms";

    /// <summary>A plugin's package id.</summary>
    public const string PluginId = "dhee.plugin.id";

    /// <summary>A plugin's version.</summary>
    public const string PluginVersion = "dhee.plugin.version";

    /// <summary>How many runners a loaded plugin provides.</summary>
    public const string PluginRunners = "dhee.plugin.runners";

    /// <summary>The OpenTelemetry error type: an error code or exception type name.</summary>
    public const string ErrorType = "error.type";
}
