namespace Dhee.Errors;

/// <summary>The base of every exception Dhee throws for rejected configuration or input. Messages say what to fix.</summary>
public abstract class DheeException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="DheeException"/> class.</summary>
    /// <param name="message">An actionable message.</param>
    /// <param name="innerException">The underlying cause, if any.</param>
    protected DheeException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
