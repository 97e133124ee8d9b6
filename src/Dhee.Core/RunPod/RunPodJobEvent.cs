using Dhee.Comfy;

namespace Dhee.RunPod;

/// <summary>A RunPod job changed status or reported new timings; delivered through the same progress path as ComfyUI events.</summary>
/// <param name="PromptId">The job id (the executor's prompt id).</param>
/// <param name="State">The status.</param>
/// <param name="DelayTimeMs">Queue time so far (<c>delayTime</c>), when reported.</param>
/// <param name="ExecutionTimeMs">Run time so far (<c>executionTime</c>), when reported.</param>
public sealed record RunPodJobEvent(string PromptId, RunPodJobState State, long? DelayTimeMs, long? ExecutionTimeMs) : ComfyEvent(PromptId)
{
    /// <summary>Gets a one-line description, for example <c>RunPod job IN_PROGRESS (queued 1.2 s)</c>.</summary>
    public string Describe()
    {
        var text = "RunPod job " + State switch
        {
            RunPodJobState.InQueue => "waiting for a worker",
            RunPodJobState.InProgress => "running",
            _ => State.ToString(),
        };
        if (DelayTimeMs is long d)
        {
            text += $" (queued {d / 1000.0:0.0} s";
            text += ExecutionTimeMs is long e ? $", ran {e / 1000.0:0.0} s)" : ")";
        }

        return text;
    }
}
