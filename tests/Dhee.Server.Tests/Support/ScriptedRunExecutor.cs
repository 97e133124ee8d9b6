using System.Text.Json.Nodes;
using Dhee.Server.Execution;
using Dhee.Server.Runs;

namespace Dhee.Tests.Support;

/// <summary>
/// An executor that emits <see cref="EventsBeforeGate"/> node events, waits for <see cref="Release"/> (or cancellation),
/// then emits <see cref="EventsAfterGate"/> more and succeeds. Records each request it saw.
/// </summary>
internal sealed class ScriptedRunExecutor : IRunExecutor
{
    private TaskCompletionSource gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int EventsBeforeGate { get; init; } = 5;

    public int EventsAfterGate { get; init; } = 3;

    public bool WaitAtGate { get; set; } = true;

    public List<RunExecutionRequest> Requests { get; } = [];

    public TaskCompletionSource ReachedGate { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => gate.TrySetResult();

    public void Rearm()
    {
        gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ReachedGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public async ValueTask<RunResult> ExecuteAsync(RunExecutionRequest request, IRunEventSink events, CancellationToken cancellationToken)
    {
        lock (Requests)
        {
            Requests.Add(request);
        }

        var node = request.Bundle.Nodes[0];
        for (var i = 0; i < EventsBeforeGate; i++)
        {
            events.Emit(RunEventKinds.NodeProgress, node.Id, null, new JsonObject { ["step"] = i });
        }

        ReachedGate.TrySetResult();
        if (WaitAtGate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        for (var i = 0; i < EventsAfterGate; i++)
        {
            events.Emit(RunEventKinds.NodeProgress, node.Id, null, new JsonObject { ["step"] = EventsBeforeGate + i });
        }

        events.Emit(RunEventKinds.NodeCompleted, node.Id, null, new JsonObject { ["output"] = "outputs/x.txt" });
        return new RunResult
        {
            DagRunId = request.DagRunId,
            Status = RunStatus.Success,
            Traces = [new RunNodeTrace { NodeId = node.Id, Runner = node.Runner.Tool, Status = "completed", Output = "outputs/x.txt", Credits = 2.5m }],
            TotalCredits = 2.5m,
        };
    }
}
