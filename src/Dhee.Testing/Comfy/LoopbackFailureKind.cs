namespace Dhee.Testing.Comfy;

/// <summary>How a <see cref="LoopbackComfyServer"/> fails a request chosen by <see cref="LoopbackComfyFaults.FailNext"/>.</summary>
public enum LoopbackFailureKind
{
    /// <summary>Answer 502 Bad Gateway.</summary>
    BadGateway,

    /// <summary>Answer 503 Service Unavailable.</summary>
    ServiceUnavailable,

    /// <summary>Answer 504 Gateway Timeout.</summary>
    GatewayTimeout,

    /// <summary>Reset the connection without an answer.</summary>
    ConnectionReset,

    /// <summary>Handle the request for real (a prompt is queued, an upload stored), then reset the connection instead of answering: the client cannot know it succeeded.</summary>
    ResetAfterProcessing,

    /// <summary>Handle the request for real, then never answer until the client gives up (its request timeout).</summary>
    HangAfterProcessing,
}
