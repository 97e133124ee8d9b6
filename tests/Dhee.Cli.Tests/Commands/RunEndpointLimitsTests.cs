using System.Text.Json.Nodes;
using Dhee.BuiltIn;
using Dhee.Cli.Commands;
using Dhee.Registry;
using Dhee.Runners;
using Dhee.Testing;
using Dhee.Testing.RunPod;

namespace Dhee.Tests.Commands;

/// <summary>Sets process environment variables, so it runs alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EndpointsFileEnvironment
{
    public const string Name = "endpoints file environment";
}

[Collection(EndpointsFileEnvironment.Name)]
public sealed class RunEndpointLimitsTests : IDisposable
{
    private readonly TestProjectDirectory _dir = new("cli-endpoint-limits");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Run_EndpointsFileLimits_PaceEachEndpointWithoutRepeatingThem()
    {
        // Jobs last long enough that, unpaced, the four jobs of each endpoint would overlap.
        var slow = TimeSpan.FromMilliseconds(400);
        await using var one = await LoopbackRunPodServer.StartAsync(new LoopbackRunPodServerOptions { EndpointId = "one", ExecutionDelay = slow });
        await using var two = await LoopbackRunPodServer.StartAsync(new LoopbackRunPodServerOptions { EndpointId = "two", ExecutionDelay = slow });
        var endpointsFile = _dir.WriteFile("endpoints.json", new JsonObject
        {
            ["endpoints"] = new JsonObject
            {
                ["one"] = new JsonObject { ["kind"] = "runpod", ["endpointId"] = "one", ["apiBase"] = one.ApiBase.ToString(), ["credentialEnv"] = "DHEE_TEST_LIMITS_KEY", ["maxConcurrency"] = 1 },
                ["two"] = new JsonObject { ["kind"] = "runpod", ["endpointId"] = "two", ["apiBase"] = two.ApiBase.ToString(), ["credentialEnv"] = "DHEE_TEST_LIMITS_KEY", ["maxConcurrency"] = 2 },
            },
        }.ToJsonString());
        _dir.WriteFile("bundle/wf.json", """
            {"1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 3}},
             "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "limit"}}}
            """);
        var nodes = new JsonArray();
        var ids = new List<string>();
        foreach (var endpoint in new[] { "one", "two" })
        {
            for (var i = 0; i < 4; i++)
            {
                ids.Add($"{endpoint}{i}");
                nodes.Add(new JsonObject
                {
                    ["id"] = $"{endpoint}{i}",
                    ["kind"] = "stage",
                    ["outputs"] = new JsonObject { ["format"] = "image", ["pattern"] = $"out/{endpoint}{i}.png" },
                    ["runner"] = new JsonObject { ["tool"] = "comfy.workflow", ["config"] = new JsonObject { ["workflowPath"] = "wf.json", ["endpoint"] = endpoint } },
                });
            }
        }

        nodes.Add(new JsonObject
        {
            ["id"] = "join",
            ["kind"] = "stage",
            ["inputs"] = new JsonArray([.. ids.Select(id => (JsonNode)new JsonObject { ["from"] = id })]),
            ["outputs"] = new JsonObject { ["format"] = "text", ["pattern"] = "join.txt" },
            ["runner"] = new JsonObject { ["tool"] = "test.join", ["config"] = new JsonObject() },
        });
        var bundle = _dir.WriteFile("bundle/bundle.json", new JsonObject { ["id"] = "limits", ["version"] = "0.1.0", ["goal"] = "join", ["nodes"] = nodes }.ToJsonString());

        Environment.SetEnvironmentVariable("DHEE_ENDPOINTS_FILE", endpointsFile);
        Environment.SetEnvironmentVariable("DHEE_TEST_LIMITS_KEY", one.ApiKey);
        try
        {
            // The built-in Comfy runners read the endpoints file when created, as in a real `dhee` process.
            var registry = new RunnerRegistry();
            BuiltInRunners.AddTo(registry);
            registry.Register(Dhee.Testing.Runners.StubRunner.Manifest("test.join"), new JoinRunner());
            var result = await CliRun.InvokeAsync([RunCommand.Create("run", "run", () => registry)], "run", bundle, "--project", Path.Combine(_dir.Path, "project"), "--no-cache", "--max-parallel", "8");
            Assert.True(result.ExitCode == 0, result.Output + result.Error);
        }
        finally
        {
            Environment.SetEnvironmentVariable("DHEE_ENDPOINTS_FILE", null);
            Environment.SetEnvironmentVariable("DHEE_TEST_LIMITS_KEY", null);
        }

        Assert.Equal(4, one.ReceivedInputs.Count);
        Assert.Equal(4, two.ReceivedInputs.Count);
        Assert.Equal(1, one.MaxActiveJobs);
        Assert.Equal(2, two.MaxActiveJobs);
    }

    private sealed class JoinRunner : IRunner
    {
        public RunnerDescription Describe() => new() { Id = "test.join", DisplayName = "join" };

        public ValueTask<RunnerResult> RunAsync(RunnerContext context)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(context.OutputFullPath)!);
            File.WriteAllText(context.OutputFullPath, string.Join(",", context.Inputs.Keys));
            return ValueTask.FromResult(RunnerResult.Success(context.OutputPath));
        }
    }
}
