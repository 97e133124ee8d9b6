using System.Net;

namespace Dhee.Comfy;

/// <summary>A failure worth retrying (502/503/504, a short download); retried by the client and surfaced as <see cref="ComfyException"/> when retries run out.</summary>
internal sealed class ComfyTransientException(string message, HttpStatusCode? statusCode = null) : Exception(message)
{
    public HttpStatusCode? StatusCode { get; } = statusCode;
}
