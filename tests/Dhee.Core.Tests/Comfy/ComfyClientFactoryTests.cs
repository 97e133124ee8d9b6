using Dhee.Comfy;
using Dhee.Comfy.Runners;
using Dhee.Endpoints;
using Dhee.Testing;
using Dhee.Testing.Comfy;

namespace Dhee.Tests.Comfy;

public sealed class ComfyClientFactoryTests
{
    [Fact]
    public async Task Create_WithHttpClientFactory_HostHandlersSeeEveryCallAndEndpointHeadersAreSent()
    {
        var serverOptions = new LoopbackComfyServerOptions();
        serverOptions.RequiredHeaders["X-Team"] = "vfx";
        await using var server = await LoopbackComfyServer.StartAsync(serverOptions);
        var handler = new CountingHandler();
        var factory = new ComfyClientFactory(new HandlerFactory(handler));
        var definition = new EndpointDefinition { Url = server.BaseUri.ToString() };
        definition.Headers["X-Team"] = "vfx";
        var client = factory.Create(new ResolvedEndpoint("studio", definition, "options"));
        await using (client)
        {
            var submission = await client.SubmitAsync(ComfyTestWorkflows.Simple());
            Assert.True((await client.WaitAsync(submission.PromptId)).IsSuccess);
        }

        Assert.Contains(handler.Paths, p => p.EndsWith("/prompt", StringComparison.Ordinal));
        Assert.Contains(handler.Paths, p => p.Contains("/history/", StringComparison.Ordinal));
        Assert.IsType<Dhee.RunPod.RunPodComfyClient>(new ComfyClientFactory().Create(new ResolvedEndpoint("rp", new EndpointDefinition { Url = "runpod://x" }, "options")));
    }

    [Fact]
    public async Task Executor_CancelledWhileRunning_InterruptsPromptAndLeavesNoOutput()
    {
        await using var server = await LoopbackComfyServer.StartAsync();
        server.Faults.HangExecution = true;
        var options = new EndpointOptions();
        options.Endpoints["loop"] = new EndpointDefinition { Url = server.BaseUri.ToString() };
        var executor = new ComfyExecutor(new ComfyClientFactory(), new EndpointResolver(options, _ => null));
        using var project = new TestProjectDirectory("comfy-cancel");
        using var cts = new CancellationTokenSource();
        var context = ComfyRunnerTestKit.Context(project.Path, ComfyWorkflowRunner.Tool, [], cancellationToken: cts.Token);
        var run = executor.ExecuteAsync(context, new ComfyExecutionRequest { Tool = ComfyWorkflowRunner.Tool, Workflow = ComfyTestWorkflows.Simple(), Endpoint = "loop" }).AsTask();
        await ComfyClientTests.WaitUntilAsync(() => Task.FromResult(server.RequestLog.Any(r => r.StartsWith("POST /prompt", StringComparison.Ordinal))));
        await Task.Delay(100);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(20)));
        await ComfyClientTests.WaitUntilAsync(() => Task.FromResult(server.RequestLog.Any(r => r.StartsWith("POST /interrupt", StringComparison.Ordinal))));
        Assert.False(Directory.Exists(Path.Combine(project.Path, "out")) && Directory.EnumerateFiles(Path.Combine(project.Path, "out")).Any());
    }

    private sealed class CountingHandler : DelegatingHandler
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Paths { get; } = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Paths.Enqueue(request.RequestUri!.AbsolutePath);
            return base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class HandlerFactory(CountingHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name)
        {
            Assert.Equal(ComfyClientFactory.HttpClientName, name);
            handler.InnerHandler ??= new HttpClientHandler();
            return new HttpClient(handler, disposeHandler: false);
        }
    }
}
