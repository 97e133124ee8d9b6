using System.Text.Json.Nodes;
using Dhee.Bundles;
using Dhee.Caching;
using Dhee.Inputs;
using Dhee.Runners;

namespace Dhee.Tests.BuiltIn;

/// <summary>Builds runner contexts for built-in runner tests.</summary>
internal static class RunnerContexts
{
    public static RunnerContext Create(
        string tool,
        string projectDir,
        string outputPath,
        JsonObject? config = null,
        IEnumerable<KeyValuePair<string, InputValue>>? inputs = null,
        string? bundleDir = null,
        string? itemId = null,
        IGenerationCache? cache = null,
        IProgress<RunnerProgress>? progress = null,
        IServiceProvider? services = null,
        string nodeId = "node",
        CancellationToken cancellationToken = default)
    {
        var inputList = inputs?.ToList() ?? [];
        var node = new BundleNode
        {
            Id = nodeId,
            Inputs = [.. inputList.Select(p => new NodeInput { From = p.Key })],
            Outputs = new NodeOutputs { Format = OutputFormat.Text, Pattern = outputPath },
            Runner = new NodeRunner { Tool = tool, Config = config ?? [] },
        };
        return new RunnerContext
        {
            ProjectDir = projectDir,
            BundleDir = bundleDir,
            Node = node,
            ItemId = itemId,
            Inputs = new RunnerInputs(inputList),
            OutputPath = outputPath,
            Cache = cache,
            Progress = progress,
            Services = services ?? new ServiceMap(),
            CancellationToken = cancellationToken,
        };
    }

    public static KeyValuePair<string, InputValue> Input(string name, InputValue value) => new(name, value);
}

/// <summary>A tiny service provider for tests.</summary>
internal sealed class ServiceMap : IServiceProvider
{
    private readonly Dictionary<Type, object> _services = [];

    public ServiceMap Add<T>(T service)
        where T : class
    {
        _services[typeof(T)] = service;
        return this;
    }

    public object? GetService(Type serviceType) => _services.GetValueOrDefault(serviceType);
}
