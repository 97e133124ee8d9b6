namespace Dhee.Walking;

/// <summary>One failure of a walk.</summary>
/// <param name="NodeId">The failed node.</param>
/// <param name="ItemId">The collection item, or null for stages and node-level failures.</param>
/// <param name="Tool">The runner's tool id.</param>
/// <param name="Message">What went wrong and how to fix it.</param>
/// <param name="Code">A machine-readable code, if the runner gave one.</param>
public sealed record WalkFailure(string NodeId, string? ItemId, string Tool, string Message, string? Code = null)
{
    /// <inheritdoc/>
    public override string ToString() => $"{NodeId}{(ItemId is null ? string.Empty : $"[{ItemId}]")} ({Tool}): {Message}";
}
