using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dhee.Caching;

namespace Dhee.Tests.BuiltIn;

/// <summary>
/// A folder-backed <see cref="IGenerationCache"/> for runner tests until the walker's GenerationCache is in main:
/// it hashes the key's JSON plus referenced file bytes, and counts gets, hits and puts.
/// </summary>
internal sealed class FakeGenerationCache(string root) : IGenerationCache
{
    public bool IsEnabled => true;

    public int Hits { get; private set; }

    public int Puts { get; private set; }

    public List<InputsHashKey> Keys { get; } = [];

    public async ValueTask<string> ComputeHashAsync(InputsHashKey key, CancellationToken cancellationToken = default)
    {
        Keys.Add(key);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var json = new JsonObject
        {
            ["tool"] = key.Tool,
            ["version"] = key.ToolVersion,
            ["inputs"] = key.Inputs?.DeepClone(),
            ["config"] = key.Config?.DeepClone(),
            ["seed"] = key.Seed,
        };
        hash.AppendData(Encoding.UTF8.GetBytes(json.ToJsonString()));
        foreach (var (name, path) in key.Files.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(name));
            hash.AppendData(await File.ReadAllBytesAsync(path, cancellationToken));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public ValueTask<CacheEntry?> TryGetAsync(string hash, CancellationToken cancellationToken = default)
    {
        var content = Path.Combine(root, hash);
        if (!File.Exists(content))
        {
            return ValueTask.FromResult<CacheEntry?>(null);
        }

        Hits++;
        var metadata = JsonNode.Parse(File.ReadAllText(content + ".json"))!.AsObject();
        return ValueTask.FromResult<CacheEntry?>(new CacheEntry(hash, content, string.Empty, new FileInfo(content).Length, metadata));
    }

    public ValueTask<CacheEntry?> PutAsync(string hash, string sourcePath, JsonObject? metadata = null, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(root);
        var content = Path.Combine(root, hash);
        File.Copy(sourcePath, content, overwrite: true);
        File.WriteAllText(content + ".json", (metadata ?? []).ToJsonString(new JsonSerializerOptions()));
        Puts++;
        return ValueTask.FromResult<CacheEntry?>(new CacheEntry(hash, content, string.Empty, new FileInfo(content).Length, metadata ?? []));
    }

    public ValueTask RestoreAsync(CacheEntry entry, string destinationPath, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(destinationPath)!);
        File.Copy(entry.ContentPath, destinationPath, overwrite: true);
        return ValueTask.CompletedTask;
    }
}
