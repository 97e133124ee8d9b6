namespace Dhee.Runners;

/// <summary>What running a node costs, as a hint for schedulers, budgets and user interfaces.</summary>
public enum CostHint
{
    /// <summary>Runs locally for free (templating, file operations, ffmpeg).</summary>
    Free,

    /// <summary>Calls a paid API (hosted LLMs, hosted image or video models).</summary>
    PaidApi,

    /// <summary>Uses a local GPU (a ComfyUI server on this machine or network).</summary>
    LocalGpu,

    /// <summary>Rents a cloud GPU (RunPod serverless and similar).</summary>
    CloudGpu,
}
