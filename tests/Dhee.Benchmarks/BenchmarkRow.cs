namespace Dhee.Benchmarks;

/// <summary>One figure of the benchmark report.</summary>
/// <param name="Issue">The issue whose target this is (for example <c>#3</c>).</param>
/// <param name="Figure">What was measured.</param>
/// <param name="Target">The issue's target, as stated there.</param>
/// <param name="Measured">The measurement, with its unit and any context (rates, CPU time).</param>
/// <param name="Baseline">What the same run measured to compare against, with its value.</param>
/// <param name="Ratio">Measured over baseline in the figure's own unit (times: lower is better; throughputs: higher is better), or null when there is none.</param>
/// <param name="Passed">Whether the target was met.</param>
/// <param name="Correct">Whether the run produced the right result (this, not timing, decides the exit code).</param>
internal sealed record BenchmarkRow(string Issue, string Figure, string Target, string Measured, string Baseline, double? Ratio, bool Passed, bool Correct)
{
    /// <summary>Gets the result cell: met/missed, or wrong when the run itself was incorrect.</summary>
    public string Verdict => !Correct ? "WRONG RESULT" : Passed ? "pass" : "FAIL";
}
