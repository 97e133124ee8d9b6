namespace Dhee.Errors;

/// <summary>Thrown when host configuration (options, environment, endpoints, registrations) is rejected.</summary>
public sealed class DheeConfigurationException : DheeException
{
    /// <summary>Initializes a new instance of the <see cref="DheeConfigurationException"/> class.</summary>
    /// <param name="message">An actionable message naming the setting and the fix.</param>
    /// <param name="innerException">The underlying cause, if any.</param>
    public DheeConfigurationException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
