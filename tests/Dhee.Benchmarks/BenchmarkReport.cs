using System.Globalization;
using System.Text;

namespace Dhee.Benchmarks;

/// <summary>
/// The one report every benchmark adds its figures to; printed as a single Markdown table at the end of the run.
/// Timing verdicts are informative in short mode; correctness (every run produced the right result) always counts.
/// </summary>
internal sealed class BenchmarkReport
{
    private readonly List<BenchmarkRow> _rows = [];

    public BenchmarkReport(bool isShort) => IsShort = isShort;

    /// <summary>Gets a value indicating whether this is the CI smoke run (small sizes, timing not gated).</summary>
    public bool IsShort { get; }

    /// <summary>Gets the figures added so far.</summary>
    public IReadOnlyList<BenchmarkRow> Rows => _rows;

    /// <summary>Gets a value indicating whether every benchmark run produced a correct result.</summary>
    public bool Correct => _rows.All(r => r.Correct);

    /// <summary>Gets a value indicating whether every timing target was met.</summary>
    public bool TargetsMet => _rows.All(r => r.Passed);

    public void Add(BenchmarkRow row)
    {
        _rows.Add(row);
        Console.WriteLine($"  {row.Figure}: {row.Measured} (target {row.Target}; {row.Verdict})");
    }

    /// <summary>Records a benchmark that could not run to the end (an exception), so the table shows it.</summary>
    public void AddCrash(string issue, string figure, Exception error)
        => Add(new BenchmarkRow(issue, figure, "-", $"crashed: {error.GetType().Name}: {error.Message}", "-", null, Passed: false, Correct: false));

    /// <summary>Writes the table.</summary>
    public void Write(TextWriter output)
    {
        var header = new[] { "issue", "figure", "target", "measured", "baseline (same run)", "ratio", "result" };
        var cells = _rows.Select(r => new[]
        {
            r.Issue, r.Figure, r.Target, r.Measured, r.Baseline,
            r.Ratio is { } ratio ? ratio.ToString("0.00", CultureInfo.InvariantCulture) + "×" : "-",
            r.Verdict,
        }).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(c => c[i].Length))).ToArray();
        var text = new StringBuilder();
        void Line(string[] values) => text.Append("| ").AppendJoin(" | ", values.Select((v, i) => v.PadRight(widths[i]))).Append(" |\n");
        Line(header);
        Line([.. widths.Select(w => new string('-', w))]);
        foreach (var row in cells)
        {
            Line(row);
        }

        output.Write(text.ToString());
        var missed = _rows.Count(r => !r.Passed);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{_rows.Count} figures: {_rows.Count - missed} met, {missed} missed{(IsShort ? " (short run: small sizes, timing not gated)" : string.Empty)}; every run correct: {(Correct ? "yes" : "NO")}"));
    }
}
