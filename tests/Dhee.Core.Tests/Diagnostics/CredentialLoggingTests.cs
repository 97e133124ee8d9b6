using System.Text.Json.Nodes;
using Dhee.Bundles;
using Dhee.Caching;
using Dhee.Comfy;
using Dhee.Comfy.Runners;
using Dhee.Endpoints;
using Dhee.Testing;
using Dhee.Testing.Comfy;
using Dhee.Testing.RunPod;
using Dhee.Tests.Walking;
using Dhee.Walking;
using Microsoft.Extensions.Logging;

namespace Dhee.Tests.Diagnostics;

/// <summary>Credentials reach the servers but never a log entry, a scope, a span, a walk result or the project's event log.</summary>
public sealed class CredentialLoggingTests : IDisposable
{
    private const string ComfyApiKey = "ck-secret-apikey-7a1f";
    private const string ComfyBearer = "ck-secret-bearer-93c2";
    private const string ComfyHeader = "ck-secret-header-55d0";
    private const string ComfyPassword = "ck-secret-pass-e41b";
    private const string ComfyWrongKey = "ck-secret-wrongkey-1b7e";
    private const string RunPodKey = "rp-secret-key-0c9d";
    private const string RunPodWrongKey = "rp-secret-wrong-8e2a";
    private static readonly string[] Secrets = [ComfyApiKey, ComfyBearer, ComfyHeader, ComfyPassword, ComfyWrongKey, RunPodKey, RunPodWrongKey];

    private readonly TestProjectDirectory _dir = new("credential-logging");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Walk_ComfyAndRunPodWithCredentials_NoSecretInLogsScopesSpansResultsOrEvents()
    {
        var comfyOptions = new LoopbackComfyServerOptions();
        comfyOptions.RequiredHeaders["X-API-Key"] = ComfyApiKey;
        comfyOptions.RequiredHeaders["Authorization"] = "Bearer " + ComfyBearer;
        comfyOptions.RequiredHeaders["X-Tenant-Secret"] = ComfyHeader;
        await using var comfy = await LoopbackComfyServer.StartAsync(comfyOptions);
        comfy.Faults.FailNext("GET", "/object_info", LoopbackFailureKind.ServiceUnavailable); // a retry the client logs
        await using var worker = await LoopbackComfyServer.StartAsync();
        await using var runpod = await LoopbackRunPodServer.StartAsync(new LoopbackRunPodServerOptions { ApiKey = RunPodKey, Comfy = worker });

        var endpoints = new EndpointOptions();
        var withUserInfo = new UriBuilder(comfy.BaseUri) { UserName = "dhee", Password = ComfyPassword }.Uri.ToString();
        endpoints.Endpoints["gen"] = Comfy(withUserInfo, ComfyApiKey);
        endpoints.Endpoints["wrong"] = Comfy(comfy.BaseUri.ToString(), ComfyWrongKey);
        endpoints.Endpoints["cloud"] = new EndpointDefinition { Url = "runpod://" + runpod.EndpointId, BearerToken = RunPodKey, ApiBase = runpod.ApiBase };
        endpoints.Endpoints["cloud-wrong"] = new EndpointDefinition { Url = "runpod://" + runpod.EndpointId, BearerToken = RunPodWrongKey, ApiBase = runpod.ApiBase };

        var logs = new CapturingLoggerProvider();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        using var capture = new TelemetryCapture(nameof(Walk_ComfyAndRunPodWithCredentials_NoSecretInLogsScopesSpansResultsOrEvents));
        var factory = new ComfyClientFactory(null, o => o.RetryBaseDelay = TimeSpan.FromMilliseconds(10), loggers)
        {
            ConfigureRunPod = o => o.PollInitialDelay = TimeSpan.FromMilliseconds(10),
        };
        var executor = new ComfyExecutor(factory, new EndpointResolver(endpoints, _ => null));
        var project = Path.Combine(_dir.Path, "project");

        var result = await new Walker([new ComfyWorkflowRunner(executor)]).WalkAsync(WriteBundle(), new WalkOptions
        {
            ProjectDir = project,
            Cache = GenerationCache.Disabled,
            Retry = new WalkRetryOptions { MaxRetryAttempts = 0 },
            WatchStopFile = false,
            LoggerFactory = loggers,
        });

        // The credentials did their job: the right ones were accepted, the wrong ones refused with a hint.
        Assert.True(File.Exists(Path.Combine(project, "out", "local.png")), result.Message);
        Assert.True(File.Exists(Path.Combine(project, "out", "cloud.png")), result.Message);
        Assert.Equal(["cloud-refused", "refused"], result.Failures.Select(f => f.NodeId).Order(StringComparer.Ordinal));
        Assert.Contains("credentials", result.Failures.Single(f => f.NodeId == "refused").Message, StringComparison.Ordinal);
        Assert.Contains("check the API key", result.Failures.Single(f => f.NodeId == "cloud-refused").Message, StringComparison.Ordinal);

        // Every component logged under its own category, and something at every level that matters was captured.
        var categories = logs.Entries.Select(e => e.Category).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("Dhee.Walking.Walker", categories);
        Assert.Contains("Dhee.Comfy.ComfyClient", categories);
        Assert.Contains("Dhee.RunPod.RunPodClient", categories);
        Assert.Contains("Dhee.Runner." + ComfyWorkflowRunner.Tool, categories);
        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Debug);
        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Warning);

        var surfaces = new Dictionary<string, string>
        {
            ["logs"] = logs.AllText,
            ["result"] = string.Join("\n", result.Failures.Select(f => f.ToString()).Append(result.Message).Concat(result.Traces.Select(t => t.Error ?? string.Empty))),
            ["spans"] = string.Join("\n", capture.Spans.SelectMany(s => s.TagObjects.Select(t => $"{t.Key}={t.Value}").Append(s.StatusDescription ?? string.Empty))),
            ["project state"] = string.Join("\n", Directory.EnumerateFiles(Path.Combine(project, ".dhee"), "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)).Select(File.ReadAllText)),
        };
        Assert.NotEmpty(capture.SpansNamed("dhee.comfy.submit"));
        foreach (var (surface, text) in surfaces)
        {
            Assert.False(string.IsNullOrWhiteSpace(text), $"nothing captured in {surface}");
            foreach (var secret in Secrets)
            {
                Assert.False(text.Contains(secret, StringComparison.Ordinal), $"{surface} contain the credential {secret}:\n{text}");
            }
        }
    }

    [Theory]
    [InlineData("http://dhee:ck-secret-pass-e41b@127.0.0.1:8188/", "http://127.0.0.1:8188/")]
    [InlineData("https://comfy.example/api?token=ck-secret-apikey-7a1f", "https://comfy.example/api")]
    [InlineData("http://a:8188,http://u:ck-secret-pass-e41b@b:8188", "http://a:8188,http://b:8188/")]
    [InlineData("http://127.0.0.1:8188", "http://127.0.0.1:8188")]
    [InlineData("self.local", "self.local")]
    public void DisplayUrl_AddressWithUserInfoOrQuery_ShowsAddressWithoutThem(string url, string expected)
    {
        var endpoint = new ResolvedEndpoint("gen", new EndpointDefinition { Url = url }, "options");

        Assert.Equal(expected, endpoint.DisplayUrl);
    }

    [Fact]
    public async Task BaseAddress_ClientForAddressWithUserInfo_HasNoUserInfo()
    {
        await using var client = new ComfyClient(new HttpClient(), new ComfyClientOptions { BaseUrl = new Uri("http://dhee:" + ComfyPassword + "@127.0.0.1:8188/") });

        Assert.Equal("http://127.0.0.1:8188/", client.BaseAddress.ToString());
    }

    private static EndpointDefinition Comfy(string url, string apiKey)
    {
        var definition = new EndpointDefinition { Url = url, ApiKey = apiKey, BearerToken = ComfyBearer };
        definition.Headers["X-Tenant-Secret"] = ComfyHeader;
        return definition;
    }

    private Bundle WriteBundle()
    {
        var bundleDir = Path.Combine(_dir.Path, "bundle");
        Directory.CreateDirectory(bundleDir);
        File.WriteAllText(Path.Combine(bundleDir, "plain.json"), """
            {"1": {"class_type": "EmptyImage", "inputs": {"width": 16, "height": 16, "batch_size": 1, "color": 1234}},
             "3": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "plain"}}}
            """);
        static BundleNode Node(string id, string endpoint, params NodeInput[] inputs)
            => WalkTestKit.Stage(id, ComfyWorkflowRunner.Tool, format: OutputFormat.Image, config: new JsonObject { ["workflowPath"] = "plain.json", ["endpoint"] = endpoint }, inputs: inputs);
        BundleNode[] nodes =
        [
            Node("local", "gen"),
            Node("refused", "wrong"),
            Node("cloud", "cloud"),
            Node("cloud-refused", "cloud-wrong"),
            Node("final", "gen", [.. new[] { "local", "refused", "cloud", "cloud-refused" }.Select(f => new NodeInput { From = f })]),
        ];
        return new Bundle { Id = "credentials", Goal = "final", Nodes = nodes, BundleDir = bundleDir };
    }
}
