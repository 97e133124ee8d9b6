using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Dhee.Caching;
using Dhee.Testing;

namespace Dhee.Tests.Caching;

public sealed class GenerationCacheTests : IDisposable
{
    private readonly TestProjectDirectory _dir = new("dhee-cache");

    private GenerationCache Open(CacheVerification verification = CacheVerification.Size, bool hardLinks = true)
        => GenerationCache.Open(new GenerationCacheOptions { Root = Path.Combine(_dir.Path, "cas"), Verification = verification, HardLinks = hardLinks });

    private static InputsHashKey Key(string prompt = "a cat", long? seed = 1, IReadOnlyDictionary<string, string>? files = null) => new()
    {
        Tool = "comfy.tti",
        ToolVersion = "1.0.0",
        Inputs = new JsonObject { ["prompt"] = prompt, ["width"] = 512 },
        Config = new JsonObject { ["steps"] = 20, ["sampler"] = new JsonObject { ["b"] = 2, ["a"] = 1 } },
        Seed = seed,
        Files = files ?? new Dictionary<string, string>(),
    };

    [Fact]
    public async Task ComputeHashAsync_KeyOrderDiffers_SameHash()
    {
        var cache = Open();
        var a = Key();
        var b = a with { Config = new JsonObject { ["sampler"] = new JsonObject { ["a"] = 1, ["b"] = 2 }, ["steps"] = 20.0 } };
        Assert.Equal(await cache.ComputeHashAsync(a), await cache.ComputeHashAsync(b));
        Assert.Matches("^[0-9a-f]{64}$", await cache.ComputeHashAsync(a));
    }

    [Fact]
    public async Task ComputeHashAsync_SeedToolVersionOrInputChanges_HashChanges()
    {
        var cache = Open();
        var baseline = await cache.ComputeHashAsync(Key());
        Assert.NotEqual(baseline, await cache.ComputeHashAsync(Key(seed: 2)));
        Assert.NotEqual(baseline, await cache.ComputeHashAsync(Key(seed: null)));
        Assert.NotEqual(baseline, await cache.ComputeHashAsync(Key(prompt: "a dog")));
        Assert.NotEqual(baseline, await cache.ComputeHashAsync(Key() with { ToolVersion = "1.0.1" }));
        Assert.NotEqual(baseline, await cache.ComputeHashAsync(Key() with { Tool = "comfy.other" }));
    }

    [Fact]
    public async Task ComputeHashAsync_FileRenamedOrByteFlipped_HashFollowsContent()
    {
        var cache = Open();
        var first = _dir.WriteFile("a/workflow.json", "{\"x\":1}");
        var renamed = _dir.WriteFile("b/other-name.json", "{\"x\":1}");
        var flipped = _dir.WriteFile("c/workflow.json", "{\"x\":2}");
        var h1 = await cache.ComputeHashAsync(Key(files: new Dictionary<string, string> { ["workflow"] = first }));
        var h2 = await cache.ComputeHashAsync(Key(files: new Dictionary<string, string> { ["workflow"] = renamed }));
        var h3 = await cache.ComputeHashAsync(Key(files: new Dictionary<string, string> { ["workflow"] = flipped }));
        Assert.Equal(h1, h2);
        Assert.NotEqual(h1, h3);
    }

    [Fact]
    public async Task ComputeHashAsync_SameFileTwice_ReadOnce()
    {
        var cache = Open();
        var file = _dir.WriteFile("w.json", "{}");
        var files = new Dictionary<string, string> { ["w"] = file };
        await cache.ComputeHashAsync(Key(files: files));
        await cache.ComputeHashAsync(Key(prompt: "other", files: files));
        Assert.Equal(1, cache.FilesHashed);
    }

    [Fact]
    public async Task ComputeHashAsync_MissingFile_ThrowsNamingFile()
    {
        var cache = Open();
        var missing = Path.Combine(_dir.Path, "nope.png");
        var e = await Assert.ThrowsAsync<FileNotFoundException>(() => cache.ComputeHashAsync(Key(files: new Dictionary<string, string> { ["img"] = missing })).AsTask());
        Assert.Contains("nope.png", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutThenTryGet_RoundTripsContentAndMetadata_InShardedLayout()
    {
        var cache = Open();
        var hash = await cache.ComputeHashAsync(Key());
        Assert.Null(await cache.TryGetAsync(hash));
        var source = _dir.WriteFile("out/image.png", "PNGDATA");
        await cache.PutAsync(hash, source, new JsonObject { ["costUsd"] = 0.02 });

        var entry = await Reopen().TryGetAsync(hash);
        Assert.NotNull(entry);
        Assert.Equal(Path.Combine(_dir.Path, "cas", hash[..2], hash + ".png"), entry.ContentPath);
        Assert.True(File.Exists(Path.Combine(_dir.Path, "cas", hash[..2], hash + ".meta.json")));
        Assert.Equal("png", entry.Extension);
        Assert.Equal(7, entry.Length);
        Assert.Equal(0.02, entry.Metadata["costUsd"]!.GetValue<double>());
    }

    private GenerationCache Reopen() => Open();

    private static void MakeWritable(string path) => File.SetAttributes(path, FileAttributes.Normal);

    [Fact]
    public async Task TryGetAsync_JsonContent_DoesNotCollideWithSidecar()
    {
        var cache = Open();
        var hash = await cache.ComputeHashAsync(Key());
        await cache.PutAsync(hash, _dir.WriteFile("plan.json", "{\"scenes\":[]}"));
        var entry = await cache.TryGetAsync(hash);
        Assert.NotNull(entry);
        Assert.Equal("{\"scenes\":[]}", await File.ReadAllTextAsync(entry.ContentPath));
    }

    [Fact]
    public async Task TryGetAsync_TruncatedContent_IsMissInSizeMode()
    {
        var cache = Open();
        var hash = await cache.ComputeHashAsync(Key());
        var entry = await cache.PutAsync(hash, _dir.WriteFile("a.png", "0123456789"));
        MakeWritable(entry!.ContentPath);
        await File.WriteAllTextAsync(entry.ContentPath, "01234");
        Assert.Null(await cache.TryGetAsync(hash));
    }

    [Fact]
    public async Task TryGetAsync_SameSizeCorruption_MissOnlyInHashMode()
    {
        var sizeMode = Open();
        var hashMode = Open(CacheVerification.Hash);
        var hash = await sizeMode.ComputeHashAsync(Key());
        var entry = await sizeMode.PutAsync(hash, _dir.WriteFile("a.png", "0123456789"));
        Assert.NotNull(await hashMode.TryGetAsync(hash));
        MakeWritable(entry!.ContentPath);
        await File.WriteAllTextAsync(entry.ContentPath, "0123456780");
        Assert.NotNull(await sizeMode.TryGetAsync(hash));
        Assert.Null(await hashMode.TryGetAsync(hash));
    }

    [Fact]
    public async Task TryGetAsync_SidecarMissingOrGarbage_IsMiss()
    {
        var cache = Open();
        var hash = await cache.ComputeHashAsync(Key());
        await cache.PutAsync(hash, _dir.WriteFile("a.png", "x"));
        var meta = Path.Combine(_dir.Path, "cas", hash[..2], hash + ".meta.json");
        await File.WriteAllTextAsync(meta, "{\"ext\":\"png\",\"len");
        Assert.Null(await cache.TryGetAsync(hash));
        File.Delete(meta);
        Assert.Null(await cache.TryGetAsync(hash));
    }

    [Fact]
    public async Task PutAsync_ManyConcurrentWriters_OneValidEntryNoTempLeftovers()
    {
        var hash = await Open().ComputeHashAsync(Key());
        var source = _dir.WriteFile("big.bin", new string('z', 300_000));
        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () => await Open().PutAsync(hash, source))));
        var entry = await Open(CacheVerification.Hash).TryGetAsync(hash);
        Assert.NotNull(entry);
        Assert.Equal(300_000, entry.Length);
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir.Path, "cas", hash[..2]), "*.tmp"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RestoreAsync_HardLinkOrCopy_PlacesIdenticalContent(bool hardLinks)
    {
        var cache = Open(hardLinks: hardLinks);
        var hash = await cache.ComputeHashAsync(Key());
        var entry = await cache.PutAsync(hash, _dir.WriteFile("src.png", "PIXELS"));
        var destination = Path.Combine(_dir.Path, "project", "assets", "out.png");
        _dir.WriteFile("project/assets/out.png", "OLD");
        await cache.RestoreAsync(entry!, destination);
        Assert.Equal("PIXELS", await File.ReadAllTextAsync(destination));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(destination)!, "*.tmp"));
    }

    [Fact]
    public async Task Disabled_NeverStoresOrHits()
    {
        var cache = GenerationCache.Disabled;
        var hash = await cache.ComputeHashAsync(Key());
        Assert.False(cache.IsEnabled);
        Assert.Null(await cache.PutAsync(hash, _dir.WriteFile("a.png", "x")));
        Assert.Null(await cache.TryGetAsync(hash));
    }

    [Fact]
    public async Task TryGetAsync_NotAHash_ThrowsArgumentException()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Open().TryGetAsync("../../etc/passwd").AsTask());
    }

    [Fact]
    public async Task CollectGarbageAsync_OverLimit_RemovesLeastRecentlyUsedFirst()
    {
        var cache = Open();
        var hashes = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var hash = await cache.ComputeHashAsync(Key(prompt: "p" + i));
            await cache.PutAsync(hash, _dir.WriteFile($"s{i}.bin", new string('a', 1000)));
            File.SetLastAccessTimeUtc(Path.Combine(_dir.Path, "cas", hash[..2], hash + ".bin"), new DateTime(2020, 1, 1 + i, 0, 0, 0, DateTimeKind.Utc));
            File.SetLastWriteTimeUtc(Path.Combine(_dir.Path, "cas", hash[..2], hash + ".meta.json"), new DateTime(2020, 1, 1 + i, 0, 0, 0, DateTimeKind.Utc));
            hashes.Add(hash);
        }

        // Using the oldest entry makes it the most recent.
        Assert.NotNull(await cache.TryGetAsync(hashes[0]));
        var before = await cache.GetStatsAsync();
        Assert.Equal(4, before.EntryCount);
        var perEntry = before.TotalBytes / 4;

        var result = await cache.CollectGarbageAsync(perEntry * 2 + 10);
        Assert.Equal(2, result.RemovedEntries);
        Assert.Equal(2, result.RemainingEntries);
        Assert.NotNull(await cache.TryGetAsync(hashes[0]));
        Assert.Null(await cache.TryGetAsync(hashes[1]));
        Assert.Null(await cache.TryGetAsync(hashes[2]));
        Assert.NotNull(await cache.TryGetAsync(hashes[3]));
    }

    [Fact]
    public async Task CollectGarbageAsync_BrokenEntry_Removed()
    {
        var cache = Open();
        var hash = await cache.ComputeHashAsync(Key());
        var entry = await cache.PutAsync(hash, _dir.WriteFile("a.png", "x"));
        File.Delete(entry!.ContentPath);
        var result = await cache.CollectGarbageAsync(long.MaxValue);
        Assert.Equal(1, result.RemovedEntries);
        Assert.Equal(0, (await cache.GetStatsAsync()).EntryCount);
    }

    [Fact]
    public async Task HashFileAsync_LargeFile_MatchesHashData()
    {
        var bytes = new byte[(3 << 20) + 12345];
        new Random(42).NextBytes(bytes);
        var path = Path.Combine(_dir.Path, "big.bin");
        await File.WriteAllBytesAsync(path, bytes);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), await FileContentHasher.HashFileAsync(path, default));
    }

    public void Dispose() => _dir.Dispose();
}

[Collection(EnvironmentCollection.Name)]
public sealed class GenerationCacheEnvironmentTests : IDisposable
{
    private readonly TestProjectDirectory _dir = new("dhee-cache-env");

    [Fact]
    public void Open_CacheRootVariable_UsedWhenNoOption()
    {
        using var root = new EnvironmentScope(GenerationCacheOptions.RootEnvironmentVariable, _dir.Path);
        Assert.Equal(_dir.Path, GenerationCache.Open().Root);
        Assert.Equal(Path.Combine(_dir.Path, "x"), GenerationCache.Open(new GenerationCacheOptions { Root = Path.Combine(_dir.Path, "x") }).Root);
    }

    [Fact]
    public void Open_DisableVariable_Disables()
    {
        using var disable = new EnvironmentScope(GenerationCacheOptions.DisableEnvironmentVariable, "1");
        Assert.False(GenerationCache.Open(new GenerationCacheOptions { Root = _dir.Path }).IsEnabled);
    }

    [Fact]
    public void Open_NoVariables_DefaultsToHomeDheeCache()
    {
        using var root = new EnvironmentScope(GenerationCacheOptions.RootEnvironmentVariable, null);
        using var disable = new EnvironmentScope(GenerationCacheOptions.DisableEnvironmentVariable, null);
        var cache = GenerationCache.Open();
        Assert.True(cache.IsEnabled);
        Assert.EndsWith(Path.Combine(".dhee", "cache"), cache.Root, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentCollection
{
    public const string Name = "process environment";
}

internal sealed class EnvironmentScope : IDisposable
{
    private readonly string _name;
    private readonly string? _previous;

    public EnvironmentScope(string name, string? value)
    {
        _name = name;
        _previous = Environment.GetEnvironmentVariable(name);
        Environment.SetEnvironmentVariable(name, value);
    }

    public void Dispose() => Environment.SetEnvironmentVariable(_name, _previous);
}
