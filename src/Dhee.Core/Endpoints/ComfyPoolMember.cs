namespace Dhee.Endpoints;

/// <summary>A snapshot of one pool instance.</summary>
/// <param name="Address">The instance address.</param>
/// <param name="State">Its circuit state.</param>
/// <param name="ConsecutiveFailures">Failures since the last success.</param>
/// <param name="InFlight">Workflows this process runs on it now.</param>
/// <param name="Completed">Workflows it finished for this process.</param>
/// <param name="VramFree">The free VRAM in bytes its last <c>/system_stats</c> reported, or null when it did not report any.</param>
public sealed record ComfyPoolMember(Uri Address, ComfyPoolMemberState State, int ConsecutiveFailures, int InFlight, int Completed, long? VramFree);
