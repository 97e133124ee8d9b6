using System.Text.Json.Nodes;
using Dhee.Testing.Comfy;

namespace Dhee.Testing.RunPod;

/// <summary>Settings of a <see cref="LoopbackRunPodServer"/>, fixed when it starts.</summary>
public sealed class LoopbackRunPodServerOptions
{
    /// <summary>Gets or sets the endpoint id served under <c>/v2/{id}</c>. Default <c>loopback</c>.</summary>
    public string EndpointId { get; set; } = "loopback";

    /// <summary>Gets or sets the API key every request must carry as <c>Authorization: Bearer</c>. Default <c>rp-test-key</c>.</summary>
    public string ApiKey { get; set; } = "rp-test-key";

    /// <summary>Gets or sets the ComfyUI server the worker runs workflows on, like worker-comfyui does (images are placed in its input folder, the prompt is queued, outputs are read back); null produces one deterministic PNG per save node instead.</summary>
    public LoopbackComfyServer? Comfy { get; set; }

    /// <summary>Gets or sets a handler that replaces the worker: given the job's <c>input</c>, it returns the files produced (for example a video), or throws to fail the job with the exception message.</summary>
    public Func<JsonObject, CancellationToken, Task<IReadOnlyList<LoopbackRunPodFile>>>? Handler { get; set; }

    /// <summary>Gets or sets how produced files are returned. Default <see cref="LoopbackRunPodOutputMode.Base64"/>.</summary>
    public LoopbackRunPodOutputMode OutputMode { get; set; } = LoopbackRunPodOutputMode.Base64;

    /// <summary>Gets or sets how long a job stays <c>IN_QUEUE</c> before a worker picks it up (reported as <c>delayTime</c>).</summary>
    public TimeSpan QueueDelay { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Gets or sets how long a job stays <c>IN_PROGRESS</c> at least (reported in <c>executionTime</c>).</summary>
    public TimeSpan ExecutionDelay { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Gets or sets the endpoint's execution timeout: a job running longer ends <c>TIMED_OUT</c>. Default 10 minutes.</summary>
    public TimeSpan ExecutionTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Gets or sets the request body limit of <c>/run</c> in bytes (RunPod: 10 MB).</summary>
    public long RunBodyLimit { get; set; } = 10L * 1024 * 1024;

    /// <summary>Gets or sets the request body limit of <c>/runsync</c> in bytes (RunPod: 20 MB).</summary>
    public long RunSyncBodyLimit { get; set; } = 20L * 1024 * 1024;
}
