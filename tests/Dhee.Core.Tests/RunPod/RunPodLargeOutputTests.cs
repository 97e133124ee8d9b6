using System.Text.Json.Nodes;
using Dhee.RunPod;
using Dhee.Testing;
using Dhee.Testing.RunPod;

namespace Dhee.Tests.RunPod;

/// <summary>Allocation is measured process-wide, so these tests run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCollection
{
    public const string Name = "allocation measurements";
}

[Collection(AllocationCollection.Name)]
public sealed class RunPodLargeOutputTests : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private readonly TestProjectDirectory _dir = new("runpod-large");

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(LoopbackRunPodOutputMode.Base64)]
    [InlineData(LoopbackRunPodOutputMode.LegacyBase64)]
    public async Task WaitAndSave_TensOfMegabytesOfBase64_DecodedStreamedWithBoundedMemory(LoopbackRunPodOutputMode mode)
    {
        var payload = new byte[32 * 1024 * 1024];
        new Random(42).NextBytes(payload);
        await using var server = await LoopbackRunPodServer.StartAsync(new LoopbackRunPodServerOptions
        {
            OutputMode = mode,
            Handler = (_, _) => Task.FromResult<IReadOnlyList<LoopbackRunPodFile>>([new LoopbackRunPodFile("clip_00001_.png", payload)]),
        });
        var client = new RunPodClient(Http, new RunPodClientOptions
        {
            EndpointId = server.EndpointId,
            ApiBase = server.ApiBase,
            ApiKey = server.ApiKey,
            PollInitialDelay = TimeSpan.FromMilliseconds(10),
        });
        var job = await client.SubmitAsync(new JsonObject { ["workflow"] = new JsonObject() });

        // Let the server finish (and serialize its answer) before measuring, so only the client's allocations count.
        while (server.GetJobStatus(job.Id) is "IN_QUEUE" or "IN_PROGRESS")
        {
            await Task.Delay(20);
        }

        var path = Path.Combine(_dir.Path, "renders", "clip.png");
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var done = await client.WaitAsync(job.Id);
        var mid = GC.GetTotalAllocatedBytes(precise: true) - before;
        var item = Assert.Single(RunPodWorkerOutput.Parse(done).Files);
        var written = await client.SaveOutputAsync(item, path);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Equal(RunPodJobState.Completed, done.State);
        Assert.True(item.IsDeferred);
        Assert.Equal(payload.Length, written);
        Assert.True(allocated < payload.Length / 8, $"allocated {allocated} (wait {mid}) bytes for a {payload.Length}-byte output");
        Assert.True(payload.AsSpan().SequenceEqual(File.ReadAllBytes(path)));
        Assert.Equal(["clip.png"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }
}
