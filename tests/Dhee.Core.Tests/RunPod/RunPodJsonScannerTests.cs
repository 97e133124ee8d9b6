using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dhee.RunPod;

namespace Dhee.Tests.RunPod;

public sealed class RunPodJsonScannerTests
{
    private static Task<RunPodJsonScanner.Result> ScanAsync(string json, string? target = null, Stream? destination = null)
        => RunPodJsonScanner.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(json)), target, destination, CancellationToken.None);

    [Fact]
    public async Task Read_SmallDocument_SameTreeAsParser()
    {
        const string json = """{"id": "j1", "status": "COMPLETED", "delayTime": 12, "ok": true, "none": null, "x": -1.5e3, "list": [1, "a\"b\\u00e9\n", {"k": []}], "e": {}}""";
        var result = await ScanAsync(json);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json), result.Root));
        Assert.Empty(result.Cut);
    }

    [Fact]
    public async Task Read_LongValue_CutToItsStartAndListed()
    {
        var data = "data:image/png;base64," + new string('A', RunPodJsonScanner.KeepBytes * 2);
        var result = await ScanAsync($$"""{"output": {"images": [{"filename": "a.png", "data": "{{data}}"}]}, "status": "COMPLETED"}""");
        Assert.Equal(["/output/images/0/data"], result.Cut);
        var kept = result.Root!["output"]!["images"]![0]!["data"]!.GetValue<string>();
        Assert.StartsWith("data:image/png;base64,AAAA", kept, StringComparison.Ordinal);
        Assert.True(kept.Length < 1024);
        Assert.Equal("COMPLETED", result.Root["status"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task Read_TargetValue_DecodedWithEscapesPrefixAndMissingPadding(bool dataUri, bool unpadded)
    {
        var bytes = new byte[200_001];
        new Random(7).NextBytes(bytes);
        var base64 = Convert.ToBase64String(bytes);
        if (unpadded)
        {
            base64 = base64.TrimEnd('=');
        }

        // System.Text.Json escapes '+' as \u002B; other writers escape '/' as \/ and wrap lines.
        var escaped = JsonSerializer.Serialize((dataUri ? "data:image/png;base64," : string.Empty) + base64).Trim('"').Replace("/", "\\/", StringComparison.Ordinal);
        var wrap = 76;
        while (!char.IsAsciiLetterOrDigit(escaped[wrap]) || escaped.LastIndexOf('\\', wrap, 6) >= 0)
        {
            wrap++;
        }

        escaped = escaped.Insert(wrap, "\\n");
        using var destination = new MemoryStream();
        var result = await ScanAsync($$$"""{"status": "COMPLETED", "output": {"message": "{{{escaped}}}", "after": 1}}""", "/output/message", destination);
        Assert.Equal(bytes.Length, result.Decoded);
        Assert.Equal(bytes, destination.ToArray());
        Assert.Equal(1, result.Root!["output"]!["after"]!.GetValue<int>());
    }

    [Fact]
    public async Task Read_TargetMissing_DecodedIsNull()
    {
        using var destination = new MemoryStream();
        var result = await ScanAsync("""{"status": "COMPLETED", "output": {}}""", "/output/images/0/data", destination);
        Assert.Null(result.Decoded);
        Assert.Equal(0, destination.Length);
    }

    [Fact]
    public async Task Read_TargetNotBase64_Throws()
    {
        using var destination = new MemoryStream();
        await Assert.ThrowsAsync<FormatException>(() => ScanAsync("""{"output": {"message": "not base64 at all!"}}""", "/output/message", destination));
    }

    [Theory]
    [InlineData("""{"a": 1""")]
    [InlineData("""{"a": "open""")]
    [InlineData("""{"a" 1}""")]
    [InlineData("""{"a": 1} trailing""")]
    [InlineData("""{"a": 1 "b": 2}""")]
    [InlineData("""[1 2]""")]
    [InlineData("""[1,""")]
    public async Task Read_BrokenJson_Throws(string json)
        => await Assert.ThrowsAnyAsync<JsonException>(() => ScanAsync(json));
}
