using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Dhee.Bundles;
using Dhee.Endpoints;
using Dhee.Hosting;
using Dhee.Registry;
using Dhee.Testing;
using Dhee.Testing.Comfy;
using Dhee.Tests.Comfy;
using Dhee.Tests.Plugins;
using Dhee.Walking;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Dhee.Tests.Hosting;

public sealed class DheeServiceCollectionExtensionsTests
{
    [Fact]
    public async Task AddDhee_CalledTwice_RegistersEveryServiceOnceAndAppliesBothConfigures()
    {
        var services = new ServiceCollection();
        services.AddDhee(o => o.CacheRoot = "/tmp/first");
        var countAfterFirst = services.Count;

        services.AddDhee(o => o.DisableCache = true);

        Assert.Equal(countAfterFirst + 1, services.Count); // only the second configure delegate
        Assert.Single(services, d => d.ServiceType == typeof(RunnerRegistry));
        Assert.Single(services, d => d.ServiceType == typeof(Walker));
        Assert.Single(services, d => d.ServiceType == typeof(IValidateOptions<DheeOptions>));
        await using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<DheeOptions>>().Value;
        Assert.Equal("/tmp/first", options.CacheRoot);
        Assert.True(options.DisableCache);
        Assert.Same(provider.GetRequiredService<RunnerRegistry>(), provider.GetRequiredService<RunnerRegistry>());
    }

    [Fact]
    public void Dispose_SynchronousContainerAfterResolvingTheWalker_DisposesWithoutError()
    {
        var services = new ServiceCollection();
        services.AddDhee();
        var provider = services.BuildServiceProvider();
        Assert.NotNull(provider.GetRequiredService<Walker>());

        provider.Dispose(); // the Comfy client factory is created by then; sync disposal must not be refused
    }

    [Fact]
    public async Task AddDhee_ConfigurationSection_BindsEndpointsAndSettings()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Dhee:Endpoints:local:BaseUrl"] = "http://127.0.0.1:8188",
            ["Dhee:Endpoints:local:MaxConcurrency"] = "2",
            ["Dhee:Endpoints:local:ModelAliases:sd15.safetensors"] = "v1-5.safetensors",
            ["Dhee:Endpoints:cloud:RunPodEndpointId"] = "abc123",
            ["Dhee:Endpoints:cloud:CredentialEnv"] = "MY_RUNPOD_KEY",
            ["Dhee:DefaultEndpoint"] = "local",
            ["Dhee:CacheRoot"] = "/tmp/dhee-cache",
            ["Dhee:RegisterBuiltInRunners"] = "false",
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddDhee().AddComfyEndpoint("code", "http://10.0.0.9:8188");
        await using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<DheeOptions>>().Value;
        var resolver = provider.GetRequiredService<EndpointResolver>();

        Assert.Equal("/tmp/dhee-cache", options.CacheRoot);
        var local = resolver.Resolve("local");
        Assert.Equal("http://127.0.0.1:8188", local.DisplayUrl);
        Assert.Equal(2, local.Definition.MaxConcurrency);
        Assert.Equal("v1-5.safetensors", local.Definition.ModelAliases["sd15.safetensors"]);
        var cloud = resolver.Resolve("cloud");
        Assert.Equal(EndpointKind.RunPod, cloud.Kind);
        Assert.Equal("abc123", cloud.RunPodEndpointId);
        Assert.Equal("MY_RUNPOD_KEY", cloud.Definition.CredentialEnv);
        Assert.Equal("local", resolver.Resolve(null).Name);
        Assert.Equal("http://10.0.0.9:8188", resolver.Resolve("code").DisplayUrl);
        Assert.Empty(provider.GetRequiredService<RunnerRegistry>().List());
    }

    [Theory]
    [InlineData("Dhee:Endpoints:local:BaseUrl", "localhost:8188", "Dhee:Endpoints:local:BaseUrl is 'localhost:8188'")]
    [InlineData("Dhee:Endpoints:local:MaxConcurrency", "0", "Dhee:Endpoints:local:BaseUrl is not set")]
    [InlineData("Dhee:Endpoints:gpu:PoolUrls:0", "nope", "Dhee:Endpoints:gpu:PoolUrls:0 is 'nope'")]
    public async Task StartAsync_InvalidSetting_FailsNamingTheSetting(string key, string value, string expected)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Dhee:Endpoints:gpu:BaseUrl"] = "http://127.0.0.1:8188",
            [key] = value,
        });
        builder.Services.AddDhee();
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_ValidSettings_StartsAndResolvesWalker()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Dhee:Endpoints:gpu:BaseUrl"] = "http://127.0.0.1:8188" });
        builder.Services.AddDhee();
        using var host = builder.Build();

        await host.StartAsync();

        Assert.NotNull(host.Services.GetRequiredService<Walker>());
        Assert.True(host.Services.GetRequiredService<RunnerRegistry>().TryGet("comfy.tti", out _));
        await host.StopAsync();
    }

    [Fact]
    public async Task ComfyHttpClient_HostAddedHandler_SeesRequestsOfAWalk()
    {
        var serverOptions = new LoopbackComfyServerOptions();
        serverOptions.Models["checkpoints"] = ["v1-5-pruned-emaonly.safetensors"];
        await using var server = await LoopbackComfyServer.StartAsync(serverOptions);
        using var project = new TestProjectDirectory("hosting-comfy");
        var seen = new ConcurrentQueue<string>();
        var builder = DheeHost.CreateBuilder(o => o.DisableCache = true).AddComfyEndpoint("local", server.BaseUri.ToString());
        builder.ComfyHttpClient.AddHttpMessageHandler(() => new RecordingHandler(seen));
        await using var dhee = builder.Build();

        var result = await dhee.Walker.WalkAsync(BundleLoader.Load(ComfyRunnerTestKit.SampleBundle), new WalkOptions { ProjectDir = project.Path, WatchStopFile = false });

        Assert.True(result.Success, result.Message + " " + string.Join("; ", result.Failures));
        Assert.Equal(1, server.AcceptedPrompts);
        Assert.Contains("POST /prompt", seen);
        Assert.Contains(seen, r => r.StartsWith("GET /view", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunPodHttpClient_HostAddedHandler_SeesJobRequestsOfAWalk()
    {
        await using var worker = await LoopbackComfyServer.StartAsync();
        await using var runpod = await Testing.RunPod.LoopbackRunPodServer.StartAsync(new Testing.RunPod.LoopbackRunPodServerOptions { Comfy = worker });
        using var dir = new TestProjectDirectory("hosting-runpod");
        dir.WriteFile("bundle/gradient.json", """
            {"1": {"class_type": "EmptyImage", "inputs": {"width": 16, "height": 16, "batch_size": 1, "color": 1234}},
             "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "di"}}}
            """);
        var bundle = new Bundle
        {
            Id = "runpod-di",
            Goal = "img",
            BundleDir = Path.Combine(dir.Path, "bundle"),
            Nodes =
            [
                new BundleNode
                {
                    Id = "img",
                    Outputs = new NodeOutputs { Format = OutputFormat.Image, Pattern = "out/img.png" },
                    Runner = new NodeRunner { Tool = "comfy.workflow", Config = new JsonObject { ["workflowPath"] = "gradient.json", ["endpoint"] = "cloud" } },
                },
            ],
        };
        var seen = new ConcurrentQueue<string>();
        var builder = DheeHost.CreateBuilder(o => o.DisableCache = true).AddRunPodEndpoint("cloud", runpod.EndpointId, e =>
        {
            e.BearerToken = runpod.ApiKey;
            e.ApiBase = runpod.ApiBase;
        });
        builder.RunPodHttpClient.AddHttpMessageHandler(() => new RecordingHandler(seen));
        await using var dhee = builder.Build();

        var result = await dhee.Walker.WalkAsync(bundle, new WalkOptions { ProjectDir = Path.Combine(dir.Path, "project"), WatchStopFile = false });

        Assert.True(result.Success, result.Message + " " + string.Join("; ", result.Failures));
        Assert.True(new FileInfo(Path.Combine(dir.Path, "project", "out", "img.png")).Length > 0);
        Assert.Contains(seen, r => r.StartsWith("POST ", StringComparison.Ordinal) && r.EndsWith("/run", StringComparison.Ordinal));
        Assert.Contains(seen, r => r.Contains("/status/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AddRunner_HostRunner_IsUsedByAWalkWithContainerServices()
    {
        using var project = new TestProjectDirectory("hosting-runner");
        var builder = DheeHost.CreateBuilder(o => o.DisableCache = true).AddRunner<GreetingRunner>();
        builder.Services.AddSingleton(new Greeting("hello"));
        await using var dhee = builder.Build();
        var bundle = new Bundle
        {
            Id = "greet",
            Goal = "hi",
            Nodes =
            [
                new BundleNode
                {
                    Id = "hi",
                    Outputs = new NodeOutputs { Format = OutputFormat.Text, Pattern = "out/hi.txt" },
                    Runner = new NodeRunner { Tool = GreetingRunner.Tool, Config = new JsonObject { ["topic"] = "world" } },
                },
            ],
        };

        var result = await dhee.Walker.WalkAsync(bundle, new WalkOptions { ProjectDir = project.Path, WatchStopFile = false });

        Assert.True(result.Success, result.Message + " " + string.Join("; ", result.Failures));
        Assert.Equal("hello world (services)", await File.ReadAllTextAsync(Path.Combine(project.Path, "out", "hi.txt")));
        var registration = dhee.Registry.Get(GreetingRunner.Tool);
        Assert.Equal("2.3.4", registration.Manifest.Version);
        Assert.Equal("host:" + typeof(GreetingRunner).FullName, registration.Source);
    }

    [Fact]
    public async Task AddRunner_WithoutStaticManifest_DerivesManifestFromDescription()
    {
        var services = new ServiceCollection();
        services.AddDhee(o => o.RegisterBuiltInRunners = false).AddRunner<UndeclaredRunner>();
        await using var provider = services.BuildServiceProvider();

        var registration = Assert.Single(provider.GetRequiredService<RunnerRegistry>().List());

        Assert.Equal("host.undeclared", registration.Manifest.Tool);
        Assert.Equal(typeof(UndeclaredRunner).Assembly.GetName().Version!.ToString(3), registration.Manifest.Version);
    }

    [Fact]
    public async Task AddRunner_SameToolAsBuiltIn_FailsNamingBothSources()
    {
        var services = new ServiceCollection();
        services.AddDhee().AddRunner(Testing.Runners.StubRunner.Manifest("text.template"), new Testing.Runners.StubRunner("text.template"));
        await using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<Errors.DheeConfigurationException>(() => provider.GetRequiredService<RunnerRegistry>());

        Assert.Contains("already registered from 'built-in'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddRunnersFromPlugins_RunnersDirectoryFromConfiguration_LoadsInstalledPlugins()
    {
        using var root = new TestProjectDirectory("hosting-plugins");
        TestPlugins.Install(root.Path, TestPlugins.Alpha);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Dhee:RunnersDirectory"] = root.Path,
            ["Dhee:IncludeDefaultRunnerRoots"] = "false",
        }).Build();
        await using var dhee = DheeHost.CreateBuilder().UseConfiguration(configuration).AddRunnersFromPlugins().Build();

        Assert.True(dhee.Registry.TryGet("alpha.probe", out var probe));
        Assert.StartsWith(root.Path, probe.Source, StringComparison.Ordinal);
        Assert.Equal("v1", await TestPlugins.RunForValueAsync(probe.Runner, root.Path, new JsonObject { ["probe"] = "lib" }));
        Assert.True(dhee.Registry.TryGet("llm.generate", out _));
    }

    [Fact]
    public void Build_InvalidEndpoint_ThrowsConfigurationExceptionNamingTheSetting()
    {
        var builder = DheeHost.CreateBuilder().AddComfyEndpoint("local", e => e.MaxConcurrency = 0);

        var ex = Assert.Throws<Errors.DheeConfigurationException>(() => builder.Build());

        Assert.Contains("Dhee:Endpoints:local:BaseUrl is not set", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Dhee:Endpoints:local:MaxConcurrency is 0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddOpenAICompatibleChatClient_LlmNode_IsAnsweredByTheRegisteredClient()
    {
        await using var server = await Testing.OpenAI.LoopbackOpenAIServer.StartAsync();
        server.Enqueue(Testing.OpenAI.ScriptedChatReply.Text("# Hello"));
        using var bundleDir = new TestProjectDirectory("hosting-llm-bundle");
        using var project = new TestProjectDirectory("hosting-llm");
        bundleDir.WriteFile("prompts/hello.md", "Say hello.");
        var bundle = BundleLoader.Parse(
            """
            { "id": "hello", "version": "0.1.0", "goal": "greet",
              "nodes": [{ "id": "greet", "kind": "stage", "outputs": { "format": "markdown", "pattern": "out/greet.md" },
                          "runner": { "tool": "llm.generate", "config": { "promptTemplate": "prompts/hello.md" } } }] }
            """,
            Path.Combine(bundleDir.Path, "bundle.json"),
            bundleDir.Path);
        var seen = new ConcurrentQueue<string>();
        var builder = DheeHost.CreateBuilder(o => o.DisableCache = true);
        builder.AddOpenAICompatibleChatClient(o =>
        {
            o.Endpoint = server.BaseUri;
            o.ApiKeyEnvironmentVariable = null;
            o.Model = "loop-model";
        }).AddHttpMessageHandler(() => new RecordingHandler(seen));
        await using var dhee = builder.Build();

        var result = await dhee.Walker.WalkAsync(bundle, new WalkOptions { ProjectDir = project.Path, WatchStopFile = false });

        Assert.True(result.Success, result.Message + " " + string.Join("; ", result.Failures));
        Assert.Equal("# Hello", await File.ReadAllTextAsync(Path.Combine(project.Path, "out", "greet.md")));
        Assert.Equal("loop-model", Assert.Single(server.Requests).Body["model"]!.GetValue<string>());
        Assert.Contains(seen, r => r.StartsWith("POST ", StringComparison.Ordinal));
    }
}
