using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dhee.Caching;

namespace Dhee.Runner.Sample.Tests;

/// <summary>A minimal content-addressed cache in a folder, standing in for the engine's cache in these tests.</summary>
internal sealed class FolderCache(string root) : IGenerationCache
{
    public bool IsEnabled => true;

    public int Puts { get; private set; }

    public ValueTask<string> ComputeHashAsync(InputsHashKey key, CancellationToken cancellationToken = default)
    {
        var json = JsonSerializer.Serialize(new { key.Tool, key.ToolVersion, Inputs = key.Inputs?.ToJsonString(), Config = key.Config?.ToJsonString(), key.Seed });
        return ValueTask.FromResult(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json))));
    }

    public ValueTask<CacheEntry?> TryGetAsync(string hash, CancellationToken cancellationToken = default)
    {
        var path = Path.Combine(root, hash);
        return ValueTask.FromResult(File.Exists(path) ? new CacheEntry(hash, path, "png", new FileInfo(path).Length, []) : null);
    }

    public ValueTask<CacheEntry?> PutAsync(string hash, string sourcePath, JsonObject? metadata = null, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(root);
        var path = Path.Combine(root, hash);
        File.Copy(sourcePath, path, overwrite: true);
        Puts++;
        return ValueTask.FromResult<CacheEntry?>(new CacheEntry(hash, path, "png", new FileInfo(path).Length, metadata ?? []));
    }

    public ValueTask RestoreAsync(CacheEntry entry, string destinationPath, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(destinationPath)!);
        File.Copy(entry.ContentPath, destinationPath, overwrite: true);
        return ValueTask.CompletedTask;
    }
}
