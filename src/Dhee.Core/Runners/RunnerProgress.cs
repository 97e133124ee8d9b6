namespace Dhee.Runners;

/// <summary>Progress reported by a running runner.</summary>
/// <param name="Fraction">Completion between 0 and 1, or null when unknown.</param>
/// <param name="Message">A short human-readable status, for example <c>sampling 12/30</c>.</param>
public readonly record struct RunnerProgress(double? Fraction, string? Message = null);
