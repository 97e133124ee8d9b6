using System.Text.Json.Nodes;

namespace Dhee.RunPod;

/// <summary>An endpoint's <c>/health</c>: job counts and worker counts.</summary>
/// <param name="InQueue">Jobs waiting.</param>
/// <param name="InProgress">Jobs running.</param>
/// <param name="Completed">Jobs completed (recently).</param>
/// <param name="Failed">Jobs failed (recently).</param>
/// <param name="IdleWorkers">Idle workers.</param>
/// <param name="RunningWorkers">Busy workers.</param>
/// <param name="Raw">The body as sent.</param>
public sealed record RunPodHealth(long InQueue, long InProgress, long Completed, long Failed, long IdleWorkers, long RunningWorkers, JsonObject Raw);
