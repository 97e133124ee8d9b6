using Dhee.Validation;

namespace Dhee.Cli.Hosting;

/// <summary>Prints validation problems for people (compiler-style lines editors can jump to) or as JSON objects.</summary>
internal static class ProblemPrinter
{
    /// <summary>Writes each problem as <c>file:line:col: error code: message</c>, then its JSON path and fix.</summary>
    public static void Write(TextWriter output, IEnumerable<ValidationProblem> problems)
    {
        foreach (var problem in problems)
        {
            var location = problem.File is null ? "<input>" : DisplayPath(problem.File);
            if (problem.Line is { } line)
            {
                location += $":{line}" + (problem.Column is { } column ? $":{column}" : string.Empty);
            }

            output.WriteLine($"{location}: error {problem.Code}: {problem.Message}");
            if (!string.IsNullOrEmpty(problem.JsonPath))
            {
                output.WriteLine($"    at {problem.JsonPath}");
            }

            if (problem.Fix is not null)
            {
                output.WriteLine($"    fix: {problem.Fix}");
            }
        }
    }

    /// <summary>Shapes a problem for <c>--json</c> output.</summary>
    public static object ToJson(ValidationProblem problem) => new
    {
        file = problem.File,
        line = problem.Line,
        column = problem.Column,
        path = problem.JsonPath,
        code = problem.Code,
        message = problem.Message,
        fix = problem.Fix,
    };

    /// <summary>Shortens an absolute path to one relative to the current folder when it lies below it.</summary>
    public static string DisplayPath(string path)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative;
    }
}
