using Dhee.Errors;

namespace Dhee.Walking;

/// <summary>Thrown when a walk is started on a project that another walk (in this or another process) is walking.</summary>
public sealed class WalkInProgressException : DheeException
{
    /// <summary>Initializes a new instance of the <see cref="WalkInProgressException"/> class.</summary>
    /// <param name="projectDir">The project folder.</param>
    /// <param name="message">A message naming the lock holder and what to do.</param>
    public WalkInProgressException(string projectDir, string message)
        : base(message)
    {
        ProjectDir = projectDir;
    }

    /// <summary>Gets the project folder.</summary>
    public string ProjectDir { get; }
}
