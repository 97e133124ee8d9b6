using Dhee.Validation;

namespace Dhee.Errors;

/// <summary>Thrown when a bundle, manifest, plugin or configuration is invalid; lists every problem found, not just the first.</summary>
public sealed class DheeValidationException : DheeException
{
    /// <summary>Initializes a new instance of the <see cref="DheeValidationException"/> class.</summary>
    /// <param name="summary">A one-line summary, for example <c>bundle 'x' is invalid</c>.</param>
    /// <param name="problems">Every problem found.</param>
    public DheeValidationException(string summary, IReadOnlyList<ValidationProblem> problems)
        : base(Format(summary, problems))
    {
        Summary = summary;
        Problems = problems;
    }

    /// <summary>Gets the one-line summary.</summary>
    public string Summary { get; }

    /// <summary>Gets every problem found.</summary>
    public IReadOnlyList<ValidationProblem> Problems { get; }

    private static string Format(string summary, IReadOnlyList<ValidationProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var noun = problems.Count == 1 ? "problem" : "problems";
        return $"{summary} ({problems.Count} {noun}):{Environment.NewLine}"
            + string.Join(Environment.NewLine, problems.Select(p => "  - " + p));
    }
}
