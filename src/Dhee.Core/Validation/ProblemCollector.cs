namespace Dhee.Validation;

/// <summary>Collects <see cref="ValidationProblem"/>s for one file, filling in the file name and the line and column of each JSON path.</summary>
internal sealed class ProblemCollector(string? file, JsonLocationMap? locations = null)
{
    private readonly List<ValidationProblem> _problems = [];

    /// <summary>Gets the file every problem is reported against.</summary>
    public string? File { get; } = file;

    /// <summary>Gets the problems collected so far, in the order found.</summary>
    public IReadOnlyList<ValidationProblem> Problems => _problems;

    /// <summary>Gets a value indicating whether any problem was collected.</summary>
    public bool HasProblems => _problems.Count > 0;

    /// <summary>Adds a problem at <paramref name="jsonPath"/>.</summary>
    public void Add(string? jsonPath, string code, string message, string? fix = null)
    {
        var location = locations?.Find(jsonPath);
        _problems.Add(new ValidationProblem
        {
            File = File,
            JsonPath = jsonPath,
            Line = location?.Line,
            Column = location?.Column,
            Code = code,
            Message = message,
            Fix = fix,
        });
    }

    /// <summary>Adds problems found by another validator, filling in the line and column where they lack one.</summary>
    public void AddRange(IEnumerable<ValidationProblem> problems)
    {
        foreach (var problem in problems)
        {
            var location = problem.Line is null ? locations?.Find(problem.JsonPath) : null;
            _problems.Add(location is null ? problem : problem with { Line = location.Value.Line, Column = location.Value.Column, File = problem.File ?? File });
        }
    }
}
