using Dhee.Endpoints;
using Dhee.Errors;

namespace Dhee.Tests.Comfy;

public sealed class EndpointResolverTests
{
    [Theory]
    [InlineData("gpu.a100", "ENDPOINT_GPU_A100")]
    [InlineData("render-farm", "ENDPOINT_RENDER_FARM")]
    [InlineData("local", "ENDPOINT_LOCAL")]
    public void VariableFor_Name_UpperCasesAndReplacesDots(string name, string expected)
        => Assert.Equal(expected, EndpointResolver.VariableFor(name));

    [Fact]
    public void TryResolve_OptionsEnvAddressDefaultAndRunPod()
    {
        var options = new EndpointOptions { DefaultEndpoint = "studio" };
        options.Endpoints["Studio"] = new EndpointDefinition { Url = "https://studio.example/comfy/api", ApiKey = "k" };
        var env = new Dictionary<string, string?> { ["ENDPOINT_CLOUD"] = "runpod://abc123", ["ENDPOINT_BAD"] = "ftp://x" };
        var resolver = new EndpointResolver(options, n => env.GetValueOrDefault(n));

        Assert.True(resolver.TryResolve(null, out var byDefault, out _));
        Assert.Equal("https://studio.example/comfy/api", byDefault.Definition.Url);
        Assert.True(resolver.TryResolve("cloud", out var cloud, out _));
        Assert.Equal(EndpointKind.RunPod, cloud.Kind);
        Assert.Equal("abc123", cloud.RunPodEndpointId);
        Assert.Equal("env:ENDPOINT_CLOUD", cloud.Source);
        Assert.True(resolver.TryResolve("http://10.0.0.5:8188", out var direct, out _));
        Assert.Equal(EndpointKind.ComfyUI, direct.Kind);
        Assert.False(resolver.TryResolve("bad", out _, out var badError));
        Assert.Contains("ENDPOINT_BAD", badError, StringComparison.Ordinal);
        Assert.False(resolver.TryResolve("nowhere", out _, out var missing));
        Assert.Contains("ENDPOINT_NOWHERE", missing, StringComparison.Ordinal);
        Assert.Throws<DheeConfigurationException>(() => resolver.Resolve("nowhere"));
        Assert.False(new EndpointResolver(null, _ => null).TryResolve(null, out _, out var none));
        Assert.Contains("COMFYUI_BASE_URL", none, StringComparison.Ordinal);
    }

    [Fact]
    public void TryResolve_NameAsWrittenInVariable_AcceptedAfterUpperCase()
    {
        var env = new Dictionary<string, string?>
        {
            ["ENDPOINT_self_local"] = "http://127.0.0.1:8188",
            ["ENDPOINT_self_local_TOKEN"] = "t",
            ["ENDPOINT_self_local_MAX_CONCURRENCY"] = "2",
            ["ENDPOINT_gpu"] = "http://lower:8188",
            ["ENDPOINT_GPU"] = "http://upper:8188",
        };
        var resolver = new EndpointResolver(null, n => env.GetValueOrDefault(n));

        Assert.True(resolver.TryResolve("self.local", out var local, out _));
        Assert.Equal("http://127.0.0.1:8188", local.Definition.Url);
        Assert.Equal("t", local.Definition.BearerToken);
        Assert.Equal("env:ENDPOINT_self_local", local.Source);
        Assert.Equal(2, resolver.GetMaxConcurrency("self.local"));
        Assert.True(resolver.TryResolve("gpu", out var gpu, out _));
        Assert.Equal("http://upper:8188", gpu.Definition.Url);
    }
}
