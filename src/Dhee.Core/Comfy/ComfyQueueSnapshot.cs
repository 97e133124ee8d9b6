namespace Dhee.Comfy;

/// <summary>The server's queue at one moment.</summary>
/// <param name="Running">Ids of running prompts.</param>
/// <param name="Pending">Ids of pending prompts, in run order.</param>
public sealed record ComfyQueueSnapshot(IReadOnlyList<string> Running, IReadOnlyList<string> Pending);
