using System.Text.Json.Nodes;

namespace Dhee.Comfy;

/// <summary>The client's view of one in-flight prompt: hints from the socket and a pulse to wake its waiter.</summary>
internal sealed class PromptTracker(string promptId, IProgress<ComfyEvent>? progress, long createdAt)
{
    private readonly SemaphoreSlim _pulse = new(0, 1);

    public string PromptId { get; set; } = promptId;

    public IProgress<ComfyEvent>? Progress { get; } = progress;

    public long CreatedAt { get; } = createdAt;

    public long LastActivity { get; set; } = createdAt;

    public long? StartedAt { get; set; }

    public volatile bool TerminalHint;

    public volatile bool RecheckRequested;

    public string? CurrentNode { get; set; }

    public List<string> CachedNodes { get; } = [];

    public JsonObject ExecutedOutputs { get; } = [];

    public void Report(ComfyEvent e)
    {
        try
        {
            Progress?.Report(e);
        }
        catch (Exception)
        {
            // A faulty progress sink must not break the protocol loop.
        }
    }

    public void Pulse()
    {
        try
        {
            if (_pulse.CurrentCount == 0)
            {
                _pulse.Release();
            }
        }
        catch (SemaphoreFullException)
        {
        }
    }

    public Task<bool> WaitPulseAsync(TimeSpan timeout, CancellationToken cancellationToken)
        => _pulse.WaitAsync(timeout < TimeSpan.Zero ? TimeSpan.Zero : timeout, cancellationToken);
}
