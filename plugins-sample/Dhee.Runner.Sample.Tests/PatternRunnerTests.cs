using System.Buffers.Binary;
using System.IO.Compression;
using System.Text.Json.Nodes;
using Dhee.Bundles;
using Dhee.Caching;
using Dhee.Runners;
using Dhee.Testing;

namespace Dhee.Runner.Sample.Tests;

public class PatternRunnerTests
{
    internal static RunnerContext Context(string projectDir, JsonObject config, IGenerationCache? cache = null, string output = "assets/p.png", JsonNode? item = null, CancellationToken token = default)
        => new()
        {
            Item = item,
            ProjectDir = projectDir,
            Node = new BundleNode
            {
                Id = "poster",
                Outputs = new NodeOutputs { Format = OutputFormat.Image, Pattern = output },
                Runner = new NodeRunner { Tool = PatternRunner.Tool, Config = config },
            },
            OutputPath = output,
            Cache = cache,
            CancellationToken = token,
        };

    [Theory]
    [InlineData("stripes")]
    [InlineData("checker")]
    [InlineData("rings")]
    [InlineData("plasma")]
    public async Task RunAsync_EachStyle_WritesValidPngOfConfiguredSize(string style)
    {
        using var project = new TestProjectDirectory("sample");

        var result = await new PatternRunner().RunAsync(Context(project.Path, new JsonObject { ["prompt"] = "sea", ["width"] = 40, ["height"] = 24, ["style"] = style }));

        Assert.True(result.IsSuccess, result.ToString());
        var (width, height, pixels) = DecodePng(Path.Combine(project.Path, "assets/p.png"));
        Assert.Equal((40, 24), (width, height));
        Assert.True(pixels.Chunk(3).Select(p => (p[0], p[1], p[2])).Distinct().Count() >= 2, "the pattern has a single colour");
    }

    [Fact]
    public async Task RunAsync_SameInputsTwice_IdenticalBytes_DifferentPromptDiffers()
    {
        using var a = new TestProjectDirectory("sample");
        using var b = new TestProjectDirectory("sample");
        using var c = new TestProjectDirectory("sample");
        var runner = new PatternRunner();

        await runner.RunAsync(Context(a.Path, new JsonObject { ["prompt"] = "a calm sea", ["width"] = 64, ["height"] = 64 }));
        await runner.RunAsync(Context(b.Path, new JsonObject { ["prompt"] = "a calm sea", ["width"] = 64, ["height"] = 64 }));
        await runner.RunAsync(Context(c.Path, new JsonObject { ["prompt"] = "a stormy sea", ["width"] = 64, ["height"] = 64 }));

        var first = DecodePng(Path.Combine(a.Path, "assets/p.png")).Pixels;
        Assert.Equal(first, DecodePng(Path.Combine(b.Path, "assets/p.png")).Pixels);
        Assert.NotEqual(first, DecodePng(Path.Combine(c.Path, "assets/p.png")).Pixels);
    }

    [Fact]
    public async Task RunAsync_CollectionItemsWithoutPrompt_EachItemDrawsItsOwnPattern()
    {
        using var a = new TestProjectDirectory("sample");
        using var b = new TestProjectDirectory("sample");
        var runner = new PatternRunner();
        var config = new JsonObject { ["width"] = 48, ["height"] = 48, ["style"] = "rings" };

        await runner.RunAsync(Context(a.Path, (JsonObject)config.DeepClone(), item: new JsonObject { ["id"] = "dawn" }));
        await runner.RunAsync(Context(b.Path, (JsonObject)config.DeepClone(), item: new JsonObject { ["id"] = "night" }));

        Assert.NotEqual(DecodePng(Path.Combine(a.Path, "assets/p.png")).Pixels, DecodePng(Path.Combine(b.Path, "assets/p.png")).Pixels);
    }

    [Theory]
    [InlineData("width", 4, "config 'width' must be an integer from 8 to 2048")]
    [InlineData("style", "spirals", "config 'style' is 'spirals'")]
    [InlineData("seed", "abc", "config 'seed' must be an integer")]
    public async Task RunAsync_InvalidConfig_ReturnsFailureNamingNodeAndField(string field, object value, string message)
    {
        using var project = new TestProjectDirectory("sample");
        var config = new JsonObject { [field] = JsonValue.Create(value) };

        var result = await new PatternRunner().RunAsync(Context(project.Path, config));

        Assert.False(result.IsSuccess);
        Assert.Contains("node 'poster'", result.Error.Message, StringComparison.Ordinal);
        Assert.Contains(message, result.Error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(project.Path, "assets/p.png")));
    }

    [Fact]
    public async Task RunAsync_BadPaletteColour_ReturnsFailure()
    {
        using var project = new TestProjectDirectory("sample");

        var result = await new PatternRunner().RunAsync(Context(project.Path, new JsonObject { ["palette"] = new JsonArray("#000000", "red") }));

        Assert.Contains("'\"red\"' is not a '#rrggbb' colour", result.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Cancelled_StopsAndWritesNothing()
    {
        using var project = new TestProjectDirectory("sample");
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await new PatternRunner().RunAsync(Context(project.Path, new JsonObject { ["width"] = 2048, ["height"] = 2048 }, token: cts.Token)));

        Assert.False(Directory.Exists(Path.Combine(project.Path, "assets")) && Directory.EnumerateFiles(Path.Combine(project.Path, "assets")).Any());
    }

    [Fact]
    public async Task RunAsync_WithCache_SecondRunRestoresAndConfigChangeMisses()
    {
        using var project = new TestProjectDirectory("sample");
        using var other = new TestProjectDirectory("sample");
        using var cacheDir = new TestProjectDirectory("cache");
        var cache = new FolderCache(cacheDir.Path);
        var runner = new PatternRunner();
        var config = new JsonObject { ["prompt"] = "dusk", ["width"] = 32, ["height"] = 32 };

        var first = await runner.RunAsync(Context(project.Path, config, cache));
        var second = await runner.RunAsync(Context(other.Path, (JsonObject)config.DeepClone(), cache));
        var changed = await runner.RunAsync(Context(other.Path, new JsonObject { ["prompt"] = "dusk", ["width"] = 33, ["height"] = 32 }, cache, output: "assets/q.png"));

        Assert.False(first.Cached);
        Assert.True(second.Cached);
        Assert.Equal(first.InputsHash, second.InputsHash);
        Assert.NotNull(first.InputsHash);
        Assert.Equal(File.ReadAllBytes(Path.Combine(project.Path, "assets/p.png")), File.ReadAllBytes(Path.Combine(other.Path, "assets/p.png")));
        Assert.False(changed.Cached);
        Assert.NotEqual(first.InputsHash, changed.InputsHash);
        Assert.Equal(2, cache.Puts);
    }

    [Fact]
    public async Task RunAsync_NoCacheAndOutputExists_SkipsWork()
    {
        using var project = new TestProjectDirectory("sample");
        var existing = project.WriteFile("assets/p.png", "already here");

        var result = await new PatternRunner().RunAsync(Context(project.Path, []));

        Assert.True(result.IsSuccess);
        Assert.Equal("already here", File.ReadAllText(existing));
    }

    [Fact]
    public void Describe_SchemaDeclaresEveryConfigKey()
    {
        var description = new PatternRunner().Describe();

        Assert.Equal("sample.pattern", description.Id);
        Assert.Equal(["prompt", "width", "height", "style", "seed", "palette"], description.ConfigSchema["properties"]!.AsObject().Select(p => p.Key));
    }

    internal static (int Width, int Height, byte[] Pixels) DecodePng(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], bytes[..8]);
        var offset = 8;
        int width = 0, height = 0;
        using var idat = new MemoryStream();
        while (offset < bytes.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(offset));
            var type = System.Text.Encoding.ASCII.GetString(bytes, offset + 4, 4);
            var data = bytes.AsSpan(offset + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
            }
            else if (type == "IDAT")
            {
                idat.Write(data);
            }

            offset += 12 + length;
        }

        idat.Position = 0;
        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(idat, CompressionMode.Decompress))
        {
            zlib.CopyTo(inflated);
        }

        var raw = inflated.ToArray();
        Assert.Equal(height * ((width * 3) + 1), raw.Length);
        var pixels = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            Assert.Equal(0, raw[y * ((width * 3) + 1)]);
            Array.Copy(raw, (y * ((width * 3) + 1)) + 1, pixels, y * width * 3, width * 3);
        }

        return (width, height, pixels);
    }
}
