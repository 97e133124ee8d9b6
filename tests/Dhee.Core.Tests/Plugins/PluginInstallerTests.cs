using System.IO.Compression;
using System.Text;
using Dhee.Errors;
using Dhee.Plugins;
using Dhee.Testing;

namespace Dhee.Tests.Plugins;

public class PluginInstallerTests
{
    private const string Prefix = "tools/net10.0/any/";

    [Fact]
    public async Task Install_Nupkg_ExtractsToIdVersionFolderAndRunnerLoads()
    {
        using var work = new TestProjectDirectory("install");
        var nupkg = Pack(work.Path, TestPlugins.Beta, "Dhee.Runner.TestBeta", "2.0.0");
        var root = Path.Combine(work.Path, "runners");
        var installer = new PluginInstaller(TestPlugins.Options(root));

        var result = installer.Install(nupkg);

        Assert.Equal(Path.Combine(root, "Dhee.Runner.TestBeta", "2.0.0"), result.Plugin.Directory);
        Assert.False(result.ReplacedExisting);
        Assert.True(File.Exists(Path.Combine(result.Plugin.Directory, "Dhee.TestLib.dll")));
        Assert.False(File.Exists(Path.Combine(result.Plugin.Directory, "Dhee.Runner.TestBeta.nuspec")));
        using var loader = new PluginLoader(TestPlugins.Options(root));
        var runner = Assert.Single(loader.Load(Assert.Single(loader.Discover().Plugins)).Runners).Runner;
        Assert.Equal("v2", await TestPlugins.RunForValueAsync(runner, work.Path));
    }

    [Fact]
    public void Install_Folder_CopiesIntoRoot()
    {
        using var work = new TestProjectDirectory("install");
        var root = Path.Combine(work.Path, "runners");

        var result = new PluginInstaller(TestPlugins.Options(root)).Install(TestPlugins.OutputOf(TestPlugins.Alpha));

        Assert.Equal(["alpha.probe", "alpha.greet"], result.Plugin.Tools);
        Assert.True(File.Exists(Path.Combine(root, "Dhee.Runner.TestAlpha", "1.0.0", "fr", "Dhee.Runner.TestAlpha.resources.dll")));
    }

    [Theory]
    [InlineData(Prefix + "../../../../escaped.txt", "climbs out of the folder")]
    [InlineData("../escaped.txt", "climbs out of the folder")]
    [InlineData("/tmp/escaped.txt", "is absolute")]
    [InlineData(Prefix + "..\\..\\escaped.txt", "uses '\\'")]
    public void Install_UnsafeEntry_RefusedAndNothingWritten(string entryName, string reason)
    {
        using var work = new TestProjectDirectory("install");
        var root = Path.Combine(work.Path, "a", "b", "runners");
        var nupkg = Pack(work.Path, TestPlugins.Beta, "Dhee.Runner.TestBeta", "2.0.0", zip => AddText(zip, entryName, "pwned"));

        var ex = Assert.Throws<DheeValidationException>(() => new PluginInstaller(TestPlugins.Options(root)).Install(nupkg));

        Assert.Contains(ex.Problems, p => p.Code == "plugin.install.unsafeEntry" && p.Message.Contains(reason, StringComparison.Ordinal) && p.File == nupkg);
        Assert.Empty(Directory.EnumerateFiles(work.Path, "escaped.txt", SearchOption.AllDirectories));
        Assert.False(File.Exists("/tmp/escaped.txt") && File.ReadAllText("/tmp/escaped.txt") == "pwned");
        Assert.Empty(Directory.EnumerateFileSystemEntries(root));
    }

    [Fact]
    public void Install_SymbolicLinkEntry_Refused()
    {
        using var work = new TestProjectDirectory("install");
        var root = Path.Combine(work.Path, "runners");
        var nupkg = Pack(work.Path, TestPlugins.Beta, "Dhee.Runner.TestBeta", "2.0.0", zip =>
        {
            var link = zip.CreateEntry(Prefix + "link");
            link.ExternalAttributes = unchecked((int)(0xA1FFu << 16)); // S_IFLNK | 0777
            using var stream = link.Open();
            stream.Write(Encoding.UTF8.GetBytes("/etc/passwd"));
        });

        var ex = Assert.Throws<DheeValidationException>(() => new PluginInstaller(TestPlugins.Options(root)).Install(nupkg));

        Assert.Contains(ex.Problems, p => p.Message.Contains("is a symbolic link", StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(root, "Dhee.Runner.TestBeta")));
    }

    [Fact]
    public void Install_NuspecIdWithoutPrefix_Refused()
    {
        using var work = new TestProjectDirectory("install");
        var nupkg = Pack(work.Path, TestPlugins.Beta, "Contoso.Beta", "2.0.0");

        var ex = Assert.Throws<DheeValidationException>(() => new PluginInstaller(TestPlugins.Options(Path.Combine(work.Path, "runners"))).Install(nupkg));

        Assert.Contains("does not start with 'Dhee.Runner.'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Install_NuspecVersionDiffersFromManifest_RefusedNamingField()
    {
        using var work = new TestProjectDirectory("install");
        var nupkg = Pack(work.Path, TestPlugins.Beta, "Dhee.Runner.TestBeta", "2.0.1");

        var ex = Assert.Throws<DheeValidationException>(() => new PluginInstaller(TestPlugins.Options(Path.Combine(work.Path, "runners"))).Install(nupkg));

        var problem = Assert.Single(ex.Problems);
        Assert.Equal("$.version", problem.JsonPath);
        Assert.Contains("'2.0.1' differs from runner.json's version '2.0.0'", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Install_NotAZip_RefusedClearly()
    {
        using var work = new TestProjectDirectory("install");
        var file = work.WriteFile("Dhee.Runner.Fake.1.0.0.nupkg", "not a zip");

        var ex = Assert.Throws<DheeValidationException>(() => new PluginInstaller(TestPlugins.Options(Path.Combine(work.Path, "runners"))).Install(file));

        Assert.Contains("is not a .nupkg (zip) archive", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Install_PackageFailsAfterExtraction_LeavesNoTraceAndKeepsInstalledVersion()
    {
        using var work = new TestProjectDirectory("install");
        var root = Path.Combine(work.Path, "runners");
        var installer = new PluginInstaller(TestPlugins.Options(root));
        installer.Install(Pack(work.Path, TestPlugins.Beta, "Dhee.Runner.TestBeta", "2.0.0"));
        var broken = Pack(work.Path, TestPlugins.Beta, "Dhee.Runner.TestBeta", "2.0.0", skip: "Dhee.Runner.TestBeta.dll", name: "broken.nupkg");

        var ex = Assert.Throws<DheeValidationException>(() => installer.Install(broken, replaceExisting: true));

        Assert.Contains("is not in the package", ex.Message, StringComparison.Ordinal);
        Assert.Equal(["Dhee.Runner.TestBeta"], Directory.GetFileSystemEntries(root).Select(Path.GetFileName));
        Assert.Equal(["2.0.0"], Directory.GetFileSystemEntries(Path.Combine(root, "Dhee.Runner.TestBeta")).Select(Path.GetFileName));
        Assert.True(File.Exists(Path.Combine(root, "Dhee.Runner.TestBeta", "2.0.0", "Dhee.Runner.TestBeta.dll")));
    }

    [Fact]
    public void Install_DuplicateEntries_RefusedBeforeWriting()
    {
        using var work = new TestProjectDirectory("install");
        var root = Path.Combine(work.Path, "runners");
        var nupkg = Pack(work.Path, TestPlugins.Beta, "Dhee.Runner.TestBeta", "2.0.0", zip => AddText(zip, Prefix + "runner.json", "{}"));

        var ex = Assert.Throws<DheeValidationException>(() => new PluginInstaller(TestPlugins.Options(root)).Install(nupkg));

        Assert.Contains(ex.Problems, p => p.Code == "plugin.install.duplicateEntry");
        Assert.Empty(Directory.EnumerateFileSystemEntries(root));
    }

    [Fact]
    public void Install_SameVersionTwice_RefusedUnlessReplacing()
    {
        using var work = new TestProjectDirectory("install");
        var installer = new PluginInstaller(TestPlugins.Options(Path.Combine(work.Path, "runners")));
        var nupkg = Pack(work.Path, TestPlugins.Beta, "Dhee.Runner.TestBeta", "2.0.0");
        installer.Install(nupkg);

        var ex = Assert.Throws<DheeValidationException>(() => installer.Install(nupkg));
        var again = installer.Install(nupkg, replaceExisting: true);

        Assert.Contains("already installed", ex.Message, StringComparison.Ordinal);
        Assert.True(again.ReplacedExisting);
    }

    [Fact]
    public void List_ReadsManifestsOnly_ReportsToolsCompatAndMissingCredentials()
    {
        using var work = new TestProjectDirectory("install");
        var options = TestPlugins.Options(Path.Combine(work.Path, "runners"));
        options.EnvironmentReader = _ => null;
        var installer = new PluginInstaller(options);
        installer.Install(TestPlugins.OutputOf(TestPlugins.Alpha));

        var plugin = Assert.Single(installer.List().Plugins);

        Assert.Equal(["alpha.probe", "alpha.greet"], plugin.Tools);
        Assert.Equal("^0.1.0", plugin.Manifest.EngineCompat);
        Assert.True(plugin.IsEngineCompatible);
        Assert.Equal(["ALPHA_TOKEN"], plugin.MissingCredentials);
        Assert.DoesNotContain(System.Runtime.Loader.AssemblyLoadContext.All, c => c.Assemblies.Any(a => a.Location.StartsWith(work.Path, StringComparison.Ordinal)));
    }

    [Fact]
    public void Remove_OneVersionThenAll_DeletesFoldersAndEmptyPackageFolder()
    {
        using var work = new TestProjectDirectory("install");
        var root = Path.Combine(work.Path, "runners");
        TestPlugins.Install(root, TestPlugins.Beta, "2.0.0");
        TestPlugins.Install(root, TestPlugins.Beta, "2.1.0");
        var installer = new PluginInstaller(TestPlugins.Options(root));

        var first = installer.Remove("Dhee.Runner.TestBeta", "2.0.0");
        Assert.Equal([Path.Combine(root, "Dhee.Runner.TestBeta", "2.0.0")], first);
        Assert.Equal("2.1.0", Assert.Single(installer.List().Plugins).Version.ToNormalizedString());

        var rest = installer.Remove("dhee.runner.testbeta");
        Assert.Single(rest);
        Assert.False(Directory.Exists(Path.Combine(root, "Dhee.Runner.TestBeta")));
        Assert.Empty(installer.Remove("Dhee.Runner.TestBeta"));
    }

    /// <summary>Builds a .nupkg the way 'dotnet pack' lays out a tool: nuspec at the root, plugin files under tools/net10.0/any/.</summary>
    private static string Pack(string dir, string plugin, string id, string version, Action<ZipArchive>? extra = null, string? skip = null, string? name = null)
    {
        var path = Path.Combine(dir, name ?? $"{id}.{version}.nupkg");
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        AddText(zip, $"{id}.nuspec", $"""
            <?xml version="1.0" encoding="utf-8"?>
            <package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
              <metadata><id>{id}</id><version>{version}</version><authors>t</authors><description>d</description></metadata>
            </package>
            """);
        AddText(zip, "[Content_Types].xml", "<Types/>");
        var source = TestPlugins.OutputOf(plugin);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file).Replace('\\', '/');
            if (relative != skip)
            {
                zip.CreateEntryFromFile(file, Prefix + relative);
            }
        }

        extra?.Invoke(zip);
        return path;
    }

    private static void AddText(ZipArchive zip, string entryName, string text)
    {
        using var stream = zip.CreateEntry(entryName).Open();
        stream.Write(Encoding.UTF8.GetBytes(text));
    }
}
