namespace Dhee.Validation;

/// <summary>
/// One problem found while validating a bundle, a manifest, a runner config or a plugin: where it is and how to fix it.
/// </summary>
public sealed record ValidationProblem
{
    /// <summary>Gets the file the problem is in, if it came from a file.</summary>
    public string? File { get; init; }

    /// <summary>Gets the JSON path of the offending value, for example <c>$.nodes[2].runner.tool</c>.</summary>
    public string? JsonPath { get; init; }

    /// <summary>Gets the 1-based line, for parse errors and where known.</summary>
    public int? Line { get; init; }

    /// <summary>Gets the 1-based column, for parse errors and where known.</summary>
    public int? Column { get; init; }

    /// <summary>Gets a stable machine-readable code, for example <c>bundle.cycle</c>.</summary>
    public required string Code { get; init; }

    /// <summary>Gets what is wrong.</summary>
    public required string Message { get; init; }

    /// <summary>Gets how to fix it, if there is a standard fix.</summary>
    public string? Fix { get; init; }

    /// <summary>Formats the problem as <c>file:line:column: path: message (fix)</c>, leaving out absent parts.</summary>
    /// <returns>A single line.</returns>
    public override string ToString()
    {
        var location = File ?? string.Empty;
        if (Line is not null)
        {
            location += $":{Line}" + (Column is not null ? $":{Column}" : string.Empty);
        }

        var parts = new List<string>(4);
        if (location.Length > 0)
        {
            parts.Add(location);
        }

        if (!string.IsNullOrEmpty(JsonPath))
        {
            parts.Add(JsonPath);
        }

        parts.Add(Fix is null ? Message : $"{Message} Fix: {Fix}");
        return string.Join(": ", parts);
    }
}
