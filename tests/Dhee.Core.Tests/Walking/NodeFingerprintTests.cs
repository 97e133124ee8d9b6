using System.Text.Json.Nodes;
using Dhee.Caching;
using Dhee.Testing;
using Dhee.Walking;
using static Dhee.Tests.Walking.WalkTestKit;

namespace Dhee.Tests.Walking;

public sealed class NodeFingerprintTests : IDisposable
{
    private readonly TestProjectDirectory _bundle = new("dhee-fingerprint");

    [Fact]
    public void Compute_ManyNodesNamingOneTemplate_ReadsItOnceAndFollowsItsContent()
    {
        _bundle.WriteFile("prompts/shot.md", "a quiet street at dawn");
        var nodes = Enumerable.Range(0, 30).Select(i => Stage($"n{i}", config: new JsonObject { ["template"] = "prompts/shot.md" })).ToList();
        var files = new FileContentHasher();

        var before = nodes.Select(n => NodeFingerprint.Compute(n, _bundle.Path, "1.0.0", files)).ToList();

        Assert.Equal(1, files.FilesHashed);
        Assert.Equal(30, before.Distinct().Count()); // the node ids still tell them apart

        File.WriteAllText(Path.Combine(_bundle.Path, "prompts/shot.md"), "a loud street at dusk");
        File.SetLastWriteTimeUtc(Path.Combine(_bundle.Path, "prompts/shot.md"), DateTime.UtcNow.AddMinutes(1));
        var after = nodes.Select(n => NodeFingerprint.Compute(n, _bundle.Path, "1.0.0", new FileContentHasher())).ToList();

        Assert.All(before.Zip(after), pair => Assert.NotEqual(pair.First, pair.Second));
    }

    [Fact]
    public async Task Hash_SameFile_EqualsTheAsyncHash()
    {
        var path = _bundle.WriteFile("big.bin", new string('x', 3_000_000));

        Assert.Equal(await FileContentHasher.HashFileAsync(path, CancellationToken.None), new FileContentHasher().Hash(path));
    }

    public void Dispose() => _bundle.Dispose();
}
