namespace Dhee.Comfy;

/// <summary>Something the UI → API conversion could not do exactly: names the node and, when it applies, the widget.</summary>
/// <param name="NodeId">The UI node id.</param>
/// <param name="ClassType">The node's type.</param>
/// <param name="Widget">The widget concerned, when one is.</param>
/// <param name="IsError">True when the result cannot be trusted (unknown class); false for a warning (values may be shifted).</param>
/// <param name="Message">What happened and what to check.</param>
public sealed record ComfyConversionDiagnostic(string NodeId, string? ClassType, string? Widget, bool IsError, string Message)
{
    /// <inheritdoc/>
    public override string ToString()
        => $"{(IsError ? "error" : "warning")}: node {NodeId}{(ClassType is null ? string.Empty : $" ({ClassType})")}{(Widget is null ? string.Empty : $" widget '{Widget}'")}: {Message}";
}
