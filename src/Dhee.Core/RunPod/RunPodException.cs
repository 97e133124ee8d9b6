using System.Net;
using Dhee.Comfy;

namespace Dhee.RunPod;

/// <summary>A RunPod call failed: refused (auth, body too large, unknown job), rate-limited past the retry budget, or unreachable. Messages never contain the API key.</summary>
public sealed class RunPodException : ComfyException
{
    /// <summary>Initializes a new instance of the <see cref="RunPodException"/> class.</summary>
    /// <param name="message">What failed and what to do.</param>
    /// <param name="statusCode">The HTTP status, when RunPod answered.</param>
    /// <param name="innerException">The cause.</param>
    public RunPodException(string message, HttpStatusCode? statusCode = null, Exception? innerException = null)
        : base(message, statusCode, innerException)
    {
    }
}
