using Dhee.Runners;

namespace Dhee.Tests.Hosting;

/// <summary>A service a host registers, injected into <see cref="GreetingRunner"/>.</summary>
public sealed class Greeting(string text)
{
    public string Text { get; } = text;
}

/// <summary>A host runner with constructor injection and a declared manifest: writes the greeting and the topic it is given.</summary>
public sealed class GreetingRunner(Greeting greeting) : IRunner
{
    public const string Tool = "host.greet";

    public static RunnerManifest Manifest { get; } = new() { Tool = Tool, Version = "2.3.4", EngineCompat = ">=0.0.0-0" };

    public RunnerDescription Describe() => new() { Id = Tool, DisplayName = "Greeting" };

    public async ValueTask<RunnerResult> RunAsync(RunnerContext context)
    {
        // The walker resolved from the container hands runners that container.
        var fromServices = context.Services.GetService(typeof(Greeting)) is Greeting same && ReferenceEquals(same, greeting) ? "services" : "no-services";
        Directory.CreateDirectory(Path.GetDirectoryName(context.OutputFullPath)!);
        await File.WriteAllTextAsync(context.OutputFullPath, $"{greeting.Text} {context.Config["topic"]} ({fromServices})", context.CancellationToken);
        return RunnerResult.Success(context.OutputPath);
    }
}

/// <summary>A runner without a static manifest, so AddRunner derives one from Describe().</summary>
public sealed class UndeclaredRunner : IRunner
{
    public RunnerDescription Describe() => new() { Id = "host.undeclared", DisplayName = "Undeclared" };

    public ValueTask<RunnerResult> RunAsync(RunnerContext context) => ValueTask.FromResult(RunnerResult.Success(context.OutputPath));
}

/// <summary>Records the path of every request that passes through it.</summary>
public sealed class RecordingHandler(System.Collections.Concurrent.ConcurrentQueue<string> log) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        log.Enqueue($"{request.Method} {request.RequestUri?.AbsolutePath}");
        return base.SendAsync(request, cancellationToken);
    }
}
