using System.Net;
using Dhee.Errors;

namespace Dhee.Comfy;

/// <summary>A ComfyUI call failed: the server answered an error, could not be reached, or a prompt did not succeed.</summary>
public class ComfyException : DheeException
{
    /// <summary>Initializes a new instance of the <see cref="ComfyException"/> class.</summary>
    /// <param name="message">What failed and what to do.</param>
    /// <param name="statusCode">The HTTP status, when the server answered.</param>
    /// <param name="innerException">The cause.</param>
    public ComfyException(string message, HttpStatusCode? statusCode = null, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
    }

    /// <summary>Gets the HTTP status, when the server answered.</summary>
    public HttpStatusCode? StatusCode { get; }
}
