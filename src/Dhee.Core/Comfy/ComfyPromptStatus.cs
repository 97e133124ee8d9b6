namespace Dhee.Comfy;

/// <summary>Where a prompt stands on a ComfyUI server, as established from <c>/history</c> and <c>/queue</c>.</summary>
public enum ComfyPromptStatus
{
    /// <summary>Waiting in the queue.</summary>
    Queued,

    /// <summary>Executing.</summary>
    Running,

    /// <summary>Finished successfully; outputs are available.</summary>
    Succeeded,

    /// <summary>Finished with a runtime error (<c>execution_error</c>).</summary>
    Failed,

    /// <summary>Stopped by an interrupt.</summary>
    Interrupted,

    /// <summary>Neither queued, running nor in history: the server was restarted or the history was cleared.</summary>
    Lost,

    /// <summary>A deadline of the client passed before the prompt finished.</summary>
    TimedOut,
}
