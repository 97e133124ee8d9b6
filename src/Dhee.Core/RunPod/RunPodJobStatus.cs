using System.Text.Json.Nodes;

namespace Dhee.RunPod;

/// <summary>A RunPod job as <c>/status</c>, <c>/run</c>, <c>/runsync</c> or <c>/cancel</c> reported it.</summary>
/// <param name="Id">The job id.</param>
/// <param name="State">The status.</param>
/// <param name="RawStatus">The status string as sent.</param>
/// <param name="DelayTimeMs">Time spent waiting for a worker (<c>delayTime</c>), when reported.</param>
/// <param name="ExecutionTimeMs">Time spent running (<c>executionTime</c>), when reported.</param>
/// <param name="Output">The handler's output (<c>output</c>), when completed.</param>
/// <param name="Error">RunPod's error text (<c>error</c>), when failed.</param>
public sealed record RunPodJobStatus(string Id, RunPodJobState State, string RawStatus, long? DelayTimeMs, long? ExecutionTimeMs, JsonNode? Output, string? Error)
{
    /// <summary>Gets a value indicating whether the job will not change any more.</summary>
    public bool IsTerminal => State is RunPodJobState.Completed or RunPodJobState.Failed or RunPodJobState.Cancelled or RunPodJobState.TimedOut;

    /// <summary>
    /// Gets the JSON pointers (for example <c>/output/images/0/data</c>) of string values too long to keep: the answer is read
    /// streamed, and a value over 64 KiB (a base64 output) is cut to its first bytes in <see cref="Output"/>.
    /// <see cref="RunPodWorkerOutput.Parse(RunPodJobStatus)"/> marks such outputs so that <see cref="RunPodClient.SaveOutputAsync"/>
    /// reads them whole again from <c>/status</c>, decoding them straight to disk.
    /// </summary>
    public IReadOnlyList<string> CutPaths { get; init; } = [];

    /// <summary>Gets the partial outputs the worker yielded since the previous report (from <c>/stream</c>), oldest first.</summary>
    public IReadOnlyList<JsonNode> StreamOutputs { get; init; } = [];

    /// <summary>Gets a value indicating whether this client's own deadline ended the wait (the job was cancelled on RunPod).</summary>
    public bool ClientDeadlinePassed { get; init; }

    /// <summary>Maps a RunPod status string.</summary>
    /// <param name="status">For example <c>IN_QUEUE</c>.</param>
    /// <returns>The state.</returns>
    public static RunPodJobState ParseState(string? status) => status switch
    {
        "IN_QUEUE" => RunPodJobState.InQueue,
        "IN_PROGRESS" => RunPodJobState.InProgress,
        "COMPLETED" => RunPodJobState.Completed,
        "FAILED" => RunPodJobState.Failed,
        "CANCELLED" => RunPodJobState.Cancelled,
        "TIMED_OUT" => RunPodJobState.TimedOut,
        _ => RunPodJobState.Unknown,
    };

    internal static RunPodJobStatus FromJson(RunPodJsonScanner.Result answer, string fallbackId)
        => FromJson((JsonObject)answer.Root!, fallbackId) with { CutPaths = answer.Cut };

    internal static RunPodJobStatus FromJson(JsonObject body, string fallbackId)
    {
        var raw = body["status"]?.ToString() ?? string.Empty;
        static long? Number(JsonNode? n) => n is JsonValue v && v.TryGetValue<double>(out var d) ? (long)d : null;
        var error = body["error"] switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            var other => other.ToJsonString(),
        };
        return new RunPodJobStatus(body["id"]?.ToString() ?? fallbackId, ParseState(raw), raw, Number(body["delayTime"]), Number(body["executionTime"]), body["output"]?.DeepClone(), error);
    }
}
