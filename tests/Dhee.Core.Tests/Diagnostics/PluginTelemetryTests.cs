using System.Diagnostics;
using Dhee.Plugins;
using Dhee.Testing;
using Dhee.Tests.Plugins;

namespace Dhee.Tests.Diagnostics;

public sealed class PluginTelemetryTests
{
    [Fact]
    public void Load_CompatiblePlugin_PluginLoadSpanWithIdVersionAndRunnerCount()
    {
        using var root = new TestProjectDirectory("plugin-telemetry");
        TestPlugins.Install(root.Path, TestPlugins.Alpha);
        using var loader = new PluginLoader(TestPlugins.Options(root.Path));
        using var capture = new TelemetryCapture(nameof(Load_CompatiblePlugin_PluginLoadSpanWithIdVersionAndRunnerCount));

        var loaded = loader.Load(Assert.Single(loader.Discover().Plugins));
        loader.Load(Assert.Single(loader.Discover().Plugins)); // already loaded: no second span

        var span = Assert.Single(capture.SpansNamed("dhee.plugin.load"));
        Assert.Equal("Dhee.Runner.TestAlpha", span.GetTagItem("dhee.plugin.id"));
        Assert.Equal("1.0.0", span.GetTagItem("dhee.plugin.version"));
        Assert.Equal(loaded.Runners.Count, span.GetTagItem("dhee.plugin.runners"));
        Assert.Equal(2, loaded.Runners.Count);
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
        Assert.Equal("Dhee", span.Source.Name);
        Assert.Equal(DheeEngine.Version.ToNormalizedString(), span.Source.Version);
    }

    [Fact]
    public void Load_PluginBuiltAgainstNewerEngine_PluginLoadSpanFailsWithTheRefusal()
    {
        using var root = new TestProjectDirectory("plugin-telemetry");
        TestPlugins.Install(root.Path, TestPlugins.NewerCore);
        using var loader = new PluginLoader(TestPlugins.Options(root.Path));
        using var capture = new TelemetryCapture(nameof(Load_PluginBuiltAgainstNewerEngine_PluginLoadSpanFailsWithTheRefusal));

        var ex = Assert.Throws<PluginLoadException>(() => loader.Load(Assert.Single(loader.Discover().Plugins)));

        var span = Assert.Single(capture.SpansNamed("dhee.plugin.load"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(ex.Message, span.StatusDescription);
        Assert.Equal(typeof(PluginLoadException).FullName, span.GetTagItem("error.type"));
        Assert.Null(span.GetTagItem("dhee.plugin.runners"));
    }
}
