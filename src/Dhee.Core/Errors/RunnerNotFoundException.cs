namespace Dhee.Errors;

/// <summary>Thrown when a tool id has no registered runner.</summary>
public sealed class RunnerNotFoundException : DheeException
{
    /// <summary>Initializes a new instance of the <see cref="RunnerNotFoundException"/> class.</summary>
    /// <param name="tool">The tool id that was looked up.</param>
    /// <param name="message">An actionable message, including how to install the runner.</param>
    public RunnerNotFoundException(string tool, string message)
        : base(message)
    {
        Tool = tool;
    }

    /// <summary>Gets the tool id that was looked up.</summary>
    public string Tool { get; }
}
