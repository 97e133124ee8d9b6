using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Text.Json.Nodes;
using Dhee.Bundles;
using Dhee.Plugins;
using Dhee.Registry;
using Dhee.Runners;
using Dhee.Testing;

namespace Dhee.Tests.Plugins;

/// <summary>The loader against real plugin projects: one test per bug in plugin-loading.md (numbers in the names' comments).</summary>
public class PluginLoaderTests
{
    // Bug 1: the contract dll also sits in the plugin folder.
    [Fact]
    public async Task Load_PluginShipsItsOwnDheeCore_UsesHostCopyAndCastsWork()
    {
        using var root = new TestProjectDirectory("plugins");
        var dir = TestPlugins.Install(root.Path, TestPlugins.CopiesCore);
        Assert.True(File.Exists(Path.Combine(dir, "Dhee.Core.dll")));
        using var loader = new PluginLoader(TestPlugins.Options(root.Path));

        var loaded = loader.Load(Assert.Single(loader.Discover().Plugins));

        var runner = Assert.Single(loaded.Runners).Runner;
        Assert.IsAssignableFrom<IRunner>(runner);
        Assert.Equal(typeof(IRunner).Assembly.Location, await TestPlugins.RunForValueAsync(runner, root.Path));
        Assert.Contains(loaded.Warnings, w => w.Contains("ships its own Dhee.Core.dll", StringComparison.Ordinal) && w.Contains("Private=\"false\"", StringComparison.Ordinal));
    }

    // Bug 2: two plugins with conflicting versions of one dependency.
    [Fact]
    public async Task LoadAll_TwoPluginsWithConflictingDependencyVersions_EachGetsItsOwn()
    {
        using var root = new TestProjectDirectory("plugins");
        TestPlugins.Install(root.Path, TestPlugins.Alpha);
        TestPlugins.Install(root.Path, TestPlugins.Beta);
        using var loader = new PluginLoader(TestPlugins.Options(root.Path));
        var registry = new RunnerRegistry();

        var result = loader.LoadAll(registry);

        Assert.True(result.Success, string.Join("\n", result.Failures));
        Assert.True(registry.TryGet("alpha.probe", out var alpha));
        Assert.True(registry.TryGet("beta.lib", out var beta));
        Assert.Equal("v1", await TestPlugins.RunForValueAsync(alpha.Runner, root.Path, new JsonObject { ["probe"] = "lib" }));
        Assert.Equal("v2", await TestPlugins.RunForValueAsync(beta.Runner, root.Path));
    }

    // Bug 3: a plugin built against a newer contract than the host.
    [Fact]
    public void Load_PluginBuiltAgainstNewerDheeCore_RefusedWithRequiresEngineMessage()
    {
        using var root = new TestProjectDirectory("plugins");
        TestPlugins.Install(root.Path, TestPlugins.NewerCore);
        using var loader = new PluginLoader(TestPlugins.Options(root.Path));

        var ex = Assert.Throws<PluginLoadException>(() => loader.Load(Assert.Single(loader.Discover().Plugins)));

        var host = typeof(IRunner).Assembly.GetName().Version!.ToString(3);
        Assert.Contains($"requires engine 99.0.0 or newer, this is {host}", ex.Message, StringComparison.Ordinal);
        Assert.Null(ex.InnerException);
    }

    // Bug 4a: satellite assemblies resolve.
    [Fact]
    public async Task Run_SatelliteAssembly_ResolvesFromPluginCultureFolder()
    {
        using var root = new TestProjectDirectory("plugins");
        TestPlugins.Install(root.Path, TestPlugins.Alpha);
        using var loader = new PluginLoader(TestPlugins.Options(root.Path));
        var runner = loader.Load(Assert.Single(loader.Discover().Plugins)).Runners.Single(r => r.Manifest.Tool == "alpha.probe").Runner;

        Assert.Equal("bonjour", await TestPlugins.RunForValueAsync(runner, root.Path, new JsonObject { ["probe"] = "satellite" }));
    }

    // Bug 4b: native libraries under runtimes/<rid>/native resolve.
    [Fact]
    public async Task Run_NativeLibraryInRuntimesFolder_Resolves()
    {
        var zlib = new[] { "/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1", "/lib/aarch64-linux-gnu/libz.so.1", "/usr/lib/aarch64-linux-gnu/libz.so.1", "/lib/libz.so.1", "/usr/lib/libz.so.1" }
            .FirstOrDefault(File.Exists);
        Assert.True(OperatingSystem.IsLinux() && zlib is not null, "this test needs Linux with zlib (libz.so.1)");
        using var root = new TestProjectDirectory("plugins");
        var dir = TestPlugins.Install(root.Path, TestPlugins.Alpha);
        var native = Path.Combine(dir, "runtimes", RuntimeInformation.RuntimeIdentifier, "native");
        Directory.CreateDirectory(native);
        File.Copy(zlib!, Path.Combine(native, "libdheez.so"));
        using var loader = new PluginLoader(TestPlugins.Options(root.Path));
        var runner = loader.Load(Assert.Single(loader.Discover().Plugins)).Runners.Single(r => r.Manifest.Tool == "alpha.probe").Runner;

        var version = await TestPlugins.RunForValueAsync(runner, root.Path, new JsonObject { ["probe"] = "native" });

        Assert.Matches(@"^\d+\.\d+", version);
    }

    // Bug 4c: a folder without .deps.json still loads (private dependency and satellite found by probing).
    [Fact]
    public async Task Load_FolderWithoutDepsJson_StillResolvesPrivateDependencies()
    {
        using var root = new TestProjectDirectory("plugins");
        var dir = TestPlugins.Install(root.Path, TestPlugins.Alpha);
        File.Delete(Path.Combine(dir, "Dhee.Runner.TestAlpha.deps.json"));
        using var loader = new PluginLoader(TestPlugins.Options(root.Path));
        var runner = loader.Load(Assert.Single(loader.Discover().Plugins)).Runners.Single(r => r.Manifest.Tool == "alpha.probe").Runner;

        Assert.Equal("v1", await TestPlugins.RunForValueAsync(runner, root.Path, new JsonObject { ["probe"] = "lib" }));
        Assert.Equal("bonjour", await TestPlugins.RunForValueAsync(runner, root.Path, new JsonObject { ["probe"] = "satellite" }));
    }

    // Bug 5: a plugin needing a framework the host lacks.
    [Fact]
    public void Load_PluginNeedsAspNetCoreHostLacks_RefusedNamingTheFramework()
    {
        using var root = new TestProjectDirectory("plugins");
        TestPlugins.Install(root.Path, TestPlugins.AspNet);
        using var loader = new PluginLoader(TestPlugins.Options(root.Path))
        {
            // This test process does reference ASP.NET Core (for loopback servers): describe a console host without it.
            HostFrameworksOverride = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "Microsoft.NETCore.App" },
        };

        var ex = Assert.Throws<PluginLoadException>(() => loader.Load(Assert.Single(loader.Discover().Plugins)));

        Assert.Contains("needs the shared framework 'Microsoft.AspNetCore.App'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("FrameworkReference", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_PluginNeedsAspNetCoreAndHostHasIt_Loads()
    {
        using var root = new TestProjectDirectory("plugins");
        TestPlugins.Install(root.Path, TestPlugins.AspNet);
        using var loader = new PluginLoader(TestPlugins.Options(root.Path));

        var runner = Assert.Single(loader.Load(Assert.Single(loader.Discover().Plugins)).Runners).Runner;

        Assert.Equal("/a/b", await TestPlugins.RunForValueAsync(runner, root.Path));
    }

    // Bug 6: contextual reflection inside the plugin.
    [Fact]
    public async Task Run_FrameworkResolvesPluginTypeByName_FindsItThroughContextualReflection()
    {
        using var root = new TestProjectDirectory("plugins");
        TestPlugins.Install(root.Path, TestPlugins.Alpha);
        using var loader = new PluginLoader(TestPlugins.Options(root.Path));
        var runner = loader.Load(Assert.Single(loader.Discover().Plugins)).Runners.Single(r => r.Manifest.Tool == "alpha.probe").Runner;

        Assert.Equal("converted-by-lib-v1", await TestPlugins.RunForValueAsync(runner, root.Path, new JsonObject { ["probe"] = "reflection" }));
        Assert.Equal("1.0.0.0", await TestPlugins.RunForValueAsync(runner, root.Path, new JsonObject { ["probe"] = "gettype" }));
        Assert.Null(AssemblyLoadContext.CurrentContextualReflectionContext);
    }

    // Bug 7: unloading frees the context.
    [Fact]
    public void Unload_CollectiblePlugin_ContextIsCollected()
    {
        using var root = new TestProjectDirectory("plugins");
        TestPlugins.Install(root.Path, TestPlugins.Beta);
        using var loader = new PluginLoader(new RunnerPluginOptions { IncludeDefaultRoots = false, RunnerRoots = { root.Path }, Collectible = true });

        var weak = LoadRunAndUnload(loader, root.Path);
        for (var i = 0; i < 20 && weak.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.False(weak.IsAlive, "the plugin's load context is still alive after Unload");
    }

    // Bug 11: concurrent loads of one plugin make one context.
    [Fact]
    public async Task Load_ConcurrentCallsForOnePlugin_CreateOneContext()
    {
        using var root = new TestProjectDirectory("plugins");
        TestPlugins.Install(root.Path, TestPlugins.Alpha);
        using var loader = new PluginLoader(TestPlugins.Options(root.Path));
        var plugin = Assert.Single(loader.Discover().Plugins);
        using var start = new ManualResetEventSlim();

        var tasks = Enumerable.Range(0, 8).Select(_ => Task.Run(() => { start.Wait(); return loader.Load(plugin); })).ToList();
        start.Set();
        var loaded = await Task.WhenAll(tasks);

        Assert.Single(loaded.Distinct());
        Assert.Single(AssemblyLoadContext.All, c => c.Name == "Dhee.Runner.TestAlpha/1.0.0" && c == loaded[0].Context);
    }

    // Bug 12: one broken plugin never stops the others.
    [Fact]
    public async Task LoadAll_BrokenPluginsAmongGoodOnes_LoadsGoodOnesAndReportsEachFailure()
    {
        using var root = new TestProjectDirectory("plugins");
        TestPlugins.Install(root.Path, TestPlugins.Beta);
        var garbage = TestPlugins.Install(root.Path, TestPlugins.Alpha, edit: m => m["id"] = "Dhee.Runner.Garbage");
        File.WriteAllText(Path.Combine(garbage, "Dhee.Runner.TestAlpha.dll"), "not an assembly");
        root.WriteFile("Dhee.Runner.BadJson/1.0.0/runner.json", "{ \"id\": ");
        TestPlugins.Install(root.Path, TestPlugins.NewerCore);
        using var loader = new PluginLoader(TestPlugins.Options(root.Path));
        var registry = new RunnerRegistry();

        var result = loader.LoadAll(registry);

        Assert.True(registry.TryGet("beta.lib", out var beta));
        Assert.Equal("v2", await TestPlugins.RunForValueAsync(beta.Runner, root.Path));
        Assert.Contains(result.Failures, f => f.Source.Contains("Dhee.Runner.Garbage", StringComparison.Ordinal) && f.Message.Contains("not a .NET assembly", StringComparison.Ordinal));
        Assert.Contains(result.Failures, f => f.Source.Contains("Dhee.Runner.BadJson", StringComparison.Ordinal) && f.Message.Contains("not valid JSON", StringComparison.Ordinal));
        Assert.Contains(result.Failures, f => f.Source.Contains(TestPlugins.NewerCore, StringComparison.Ordinal) && f.Message.Contains("requires engine 99.0.0", StringComparison.Ordinal));
        Assert.Equal(3, result.Failures.Count);
    }

    [Fact]
    public async Task Load_RunnerFromFactory_IsRegisteredWithManifestCredentials()
    {
        using var root = new TestProjectDirectory("plugins");
        TestPlugins.Install(root.Path, TestPlugins.Alpha);
        using var loader = new PluginLoader(TestPlugins.Options(root.Path));

        var loaded = loader.Load(Assert.Single(loader.Discover().Plugins));

        var greet = loaded.Runners.Single(r => r.Manifest.Tool == "alpha.greet");
        Assert.Equal(["ALPHA_TOKEN"], greet.Manifest.Credentials);
        Assert.Equal("1.0.0", greet.Manifest.Version);
        Assert.Equal("hi", await TestPlugins.RunForValueAsync(greet.Runner, root.Path));
        Assert.Equal(["alpha.probe", "alpha.greet"], loaded.Runners.Select(r => r.Manifest.Tool));
    }

    [Fact]
    public void Load_ManifestDeclaresToolThePluginLacks_RefusedNamingTheTool()
    {
        using var root = new TestProjectDirectory("plugins");
        TestPlugins.Install(root.Path, TestPlugins.Beta, edit: m =>
        {
            m.Remove("tool");
            m["runners"] = new JsonArray(new JsonObject { ["tool"] = "beta.lib" }, new JsonObject { ["tool"] = "beta.missing" });
        });
        using var loader = new PluginLoader(TestPlugins.Options(root.Path));

        var ex = Assert.Throws<PluginLoadException>(() => loader.Load(Assert.Single(loader.Discover().Plugins)));

        Assert.Contains("declares 'beta.missing'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadAll_TwoPluginsProvideOneTool_SecondRejectedNamingBothPaths()
    {
        using var root = new TestProjectDirectory("plugins");
        var first = TestPlugins.Install(root.Path, TestPlugins.Beta);
        var cloneDir = TestPlugins.Install(root.Path, TestPlugins.Beta, edit: m => m["id"] = "Dhee.Runner.TestBetaClone");
        using var loader = new PluginLoader(TestPlugins.Options(root.Path));
        var registry = new RunnerRegistry();

        var result = loader.LoadAll(registry);

        var failure = Assert.Single(result.Failures);
        Assert.Equal("beta.lib", failure.Tool);
        Assert.Contains(first, failure.Message, StringComparison.Ordinal);
        Assert.Contains(cloneDir, failure.Message, StringComparison.Ordinal);
        Assert.True(registry.TryGet("beta.lib", out var kept));
        Assert.Equal(first, kept.Source);
    }

    [Fact]
    public void LoadAll_PluginToolClashesWithBuiltIn_RejectedUnlessHostAllowsReplacing()
    {
        using var root = new TestProjectDirectory("plugins");
        TestPlugins.Install(root.Path, TestPlugins.Beta);
        var builtIn = new FixedRunner("beta.lib");
        var manifest = new RunnerManifest { Tool = "beta.lib", Version = "0.1.0", EngineCompat = "^0.1.0" };

        var strict = new RunnerRegistry();
        strict.Register(manifest, builtIn);
        using (var loader = new PluginLoader(TestPlugins.Options(root.Path)))
        {
            var result = loader.LoadAll(strict);
            Assert.Contains("built-in", Assert.Single(result.Failures).Message, StringComparison.Ordinal);
            Assert.True(strict.TryGet("beta.lib", out var still));
            Assert.Same(builtIn, still.Runner);
        }

        var lenient = new RunnerRegistry();
        lenient.Register(manifest, builtIn);
        var options = TestPlugins.Options(root.Path);
        options.AllowReplacingBuiltIns = true;
        using (var loader = new PluginLoader(options))
        {
            var result = loader.LoadAll(lenient);
            Assert.True(result.Success, string.Join("\n", result.Failures));
            Assert.True(lenient.TryGet("beta.lib", out var replaced));
            Assert.NotSame(builtIn, replaced.Runner);
            Assert.Contains(result.Warnings, w => w.Contains("replaces the built-in", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void LoadForBundle_OnlyNeededPluginsLoaded_HighestVersionInRangeWins()
    {
        using var root = new TestProjectDirectory("plugins");
        TestPlugins.Install(root.Path, TestPlugins.Alpha);
        TestPlugins.Install(root.Path, TestPlugins.Beta, "2.0.0");
        TestPlugins.Install(root.Path, TestPlugins.Beta, "2.5.0");
        TestPlugins.Install(root.Path, TestPlugins.Beta, "3.0.0");
        var bundle = new Bundle
        {
            Id = "b",
            Goal = "g",
            Dependencies = new BundleDependencies { Runners = new Dictionary<string, string> { ["beta.lib"] = "^2.0.0" } },
            Nodes = [new BundleNode { Id = "n", Outputs = new NodeOutputs { Format = OutputFormat.Json, Pattern = "n.json" }, Runner = new NodeRunner { Tool = "beta.lib" } }],
        };
        using var loader = new PluginLoader(TestPlugins.Options(root.Path));
        var registry = new RunnerRegistry();

        var result = loader.LoadForBundle(registry, bundle);

        Assert.True(result.Success, string.Join("\n", result.Failures));
        Assert.True(registry.TryGet("beta.lib", out var beta));
        Assert.Equal("2.5.0", beta.Manifest.Version);
        Assert.False(registry.TryGet("alpha.probe", out _));
        Assert.DoesNotContain(AssemblyLoadContext.All, c => c.Name?.StartsWith(TestPlugins.Alpha + "/", StringComparison.Ordinal) == true && IsFrom(c, root.Path));
    }

    [Fact]
    public async Task Load_TwoVersionsOfOnePlugin_OneContextPerVersion()
    {
        using var root = new TestProjectDirectory("plugins");
        TestPlugins.Install(root.Path, TestPlugins.Beta, "2.0.0");
        TestPlugins.Install(root.Path, TestPlugins.Beta, "2.1.0");
        using var loader = new PluginLoader(TestPlugins.Options(root.Path));
        var plugins = loader.Discover().Plugins;

        var newer = loader.Load(plugins[0]);
        var older = loader.Load(plugins[1]);

        Assert.NotSame(newer.Context, older.Context);
        Assert.NotSame(newer.EntryAssembly, older.EntryAssembly);
        Assert.Equal(["2.1.0", "2.0.0"], new[] { newer, older }.Select(p => p.Runners[0].Manifest.Version));
        Assert.Equal("v2", await TestPlugins.RunForValueAsync(older.Runners[0].Runner, root.Path));
    }

    [Fact]
    public void LoadTools_ToolNobodyProvides_ListedAsMissingNotFailed_ThrowIfFailedListsFailures()
    {
        using var root = new TestProjectDirectory("plugins");
        TestPlugins.Install(root.Path, TestPlugins.Beta);
        using var loader = new PluginLoader(TestPlugins.Options(root.Path));
        var registry = new RunnerRegistry();

        var result = loader.LoadTools(registry, [("nobody.has", null), ("beta.lib", "^9.0.0")]);

        Assert.Equal(["nobody.has"], result.MissingTools);
        var failure = Assert.Single(result.Failures);
        Assert.Contains("does not satisfy the required range '^9.0.0'", failure.Message, StringComparison.Ordinal);
        var ex = Assert.Throws<Dhee.Errors.DheeValidationException>(result.ThrowIfFailed);
        Assert.Contains("beta.lib", ex.Message, StringComparison.Ordinal);
        Assert.Empty(registry.List());
    }

    [Fact]
    public void Load_AfterDispose_Throws()
    {
        using var root = new TestProjectDirectory("plugins");
        var loader = new PluginLoader(TestPlugins.Options(root.Path));
        loader.Dispose();

        Assert.Throws<ObjectDisposedException>(() => loader.Discover());
    }

    private static bool IsFrom(AssemblyLoadContext context, string root)
        => context.Assemblies.Any(a => a.Location.StartsWith(root, StringComparison.Ordinal));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference LoadRunAndUnload(PluginLoader loader, string projectDir)
    {
        var plugin = Assert.Single(loader.Discover().Plugins);
        var loaded = loader.Load(plugin);
        var weak = new WeakReference(loaded.Context);
        var value = TestPlugins.RunForValueAsync(loaded.Runners[0].Runner, projectDir).GetAwaiter().GetResult();
        Assert.Equal("v2", value);
        Assert.True(loader.Unload(plugin));
        return weak;
    }

    private sealed class FixedRunner(string id) : IRunner
    {
        public RunnerDescription Describe() => new() { Id = id, DisplayName = id };

        public ValueTask<RunnerResult> RunAsync(RunnerContext context) => ValueTask.FromResult(RunnerResult.Success(context.OutputPath));
    }
}
