namespace Dhee.Runners;

/// <summary>Why a runner failed.</summary>
/// <param name="Message">An actionable message that names the file, model, input or setting at fault and the fix.</param>
/// <param name="IsTransient">True when trying again may succeed (a timeout, a 503, a dropped connection); the walker's retry policy retries only these.</param>
/// <param name="Code">An optional machine-readable code, for example <c>comfy.validation</c>.</param>
public sealed record RunnerError(string Message, bool IsTransient = false, string? Code = null);
