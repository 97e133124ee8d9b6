using Dhee.Endpoints;
using Dhee.Errors;
using Dhee.Testing;

namespace Dhee.Tests.Endpoints;

public sealed class EndpointsFileTests : IDisposable
{
    private readonly TestProjectDirectory _dir = new("endpoints-file");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Load_AllKinds_ParsedAndResolvable()
    {
        var path = _dir.WriteFile("endpoints.json", """
            {
              // comments are allowed
              "default": "gpu",
              "endpoints": {
                "gpu": {"kind": "local", "url": "http://127.0.0.1:8188", "bearerTokenEnv": "GPU_TOKEN", "modelAliases": {"sdxl.safetensors": "sd_xl_base_1.0.safetensors"}},
                "cloud": {"kind": "runpod", "endpointId": "abc123", "credentialEnv": "STUDIO_KEY", "runsync": true, "timeoutSeconds": 600},
                "farm": {"kind": "pool", "urls": ["http://a:8188", "http://b:8188"]}
              }
            }
            """);
        var env = new Dictionary<string, string?> { ["GPU_TOKEN"] = "t0k", ["STUDIO_KEY"] = "rp-key", ["DHEE_ENDPOINTS_FILE"] = path };
        var resolver = new EndpointResolver(null, n => env.GetValueOrDefault(n));

        var gpu = resolver.Resolve(null);
        Assert.Equal("gpu", gpu.Name);
        Assert.Equal("t0k", gpu.Definition.BearerToken);
        Assert.Equal("sd_xl_base_1.0.safetensors", gpu.Definition.ModelAliases["sdxl.safetensors"]);

        var cloud = resolver.Resolve("cloud");
        Assert.Equal(EndpointKind.RunPod, cloud.Kind);
        Assert.Equal("abc123", cloud.RunPodEndpointId);
        Assert.Equal("rp-key", cloud.Definition.BearerToken);
        Assert.True(cloud.Definition.UseRunSync);
        Assert.Equal(TimeSpan.FromMinutes(10), cloud.Definition.Timeout);

        var farm = resolver.Resolve("farm");
        Assert.True(farm.Definition.IsPool);
        Assert.Equal(["http://b:8188"], farm.Definition.PoolUrls);
    }

    [Theory]
    [InlineData("""{"endpoints": {"x": {"kind": "runpod"}}}""", "$.endpoints.x.endpointId")]
    [InlineData("""{"endpoints": {"x": {"kind": "cloudy", "url": "http://a"}}}""", "local, runpod or pool")]
    [InlineData("""{"endpoints": {"x": {"kind": "pool", "urls": []}}}""", "$.endpoints.x.urls")]
    [InlineData("""{"endpoints": {"x": {"url": "http://a", "maxConcurrency": 0}}}""", "maxConcurrency")]
    [InlineData("""{"endpoints": 3}""", "$.endpoints must be an object")]
    public void Parse_Invalid_MessageNamesFileAndField(string json, string expected)
    {
        var ex = Assert.Throws<DheeConfigurationException>(() => EndpointsFile.Parse(json, "my-endpoints.json"));
        Assert.Contains("my-endpoints.json", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_EnvPoolAndRunPodForms()
    {
        var env = new Dictionary<string, string?>
        {
            ["ENDPOINT_FARM"] = "http://a:8188, http://b:8188",
            ["ENDPOINT_CLOUD"] = "runpod://ep42",
            ["RUNPOD_API_KEY"] = "k",
            ["RUNPOD_API_BASE"] = "http://127.0.0.1:1/v2",
        };
        var resolver = new EndpointResolver(null, n => env.GetValueOrDefault(n));
        Assert.Equal(["http://b:8188"], resolver.Resolve("farm").Definition.PoolUrls);
        var cloud = resolver.Resolve("cloud");
        Assert.Equal("k", cloud.Definition.BearerToken);
        Assert.Equal(new Uri("http://127.0.0.1:1/v2"), cloud.Definition.ApiBase);
        Assert.False(resolver.TryResolve("http://a:8188,ftp://b", out _, out var error));
        Assert.Contains("ftp://b", error, StringComparison.Ordinal);
    }
}
