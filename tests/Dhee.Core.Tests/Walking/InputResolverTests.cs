using Dhee.Bundles;
using Dhee.Inputs;
using Dhee.Testing;
using Dhee.Walking;

namespace Dhee.Tests.Walking;

public sealed class InputResolverTests : IDisposable
{
    private readonly TestProjectDirectory _project = new("dhee-inputs");

    [Fact]
    public void FromFile_TextOutput_ReadWhenFirstUsedThenKept()
    {
        var path = _project.WriteFile("out/a.txt", "first");

        var value = Assert.IsType<TextInputValue>(InputResolver.FromFile(path, "item-1", OutputFormat.Text));
        File.WriteAllText(path, "second"); // not read yet: the text is whatever the file holds at first use

        Assert.Equal("second", value.Text);
        File.WriteAllText(path, "third");
        Assert.Equal("second", value.ToText());
        Assert.Equal(path, value.SourcePath);
        Assert.Equal("item-1", value.ItemId);
    }

    [Fact]
    public void FromFile_MissingTextOutput_ThrowsSoTheInputIsLeftOut()
        => Assert.Throws<FileNotFoundException>(() => InputResolver.FromFile(Path.Combine(_project.Path, "gone.txt"), null, OutputFormat.Text));

    [Fact]
    public void FromFile_JsonOutput_ParsedRightAway()
    {
        var path = _project.WriteFile("out/a.json", """{"k":1}""");

        var value = Assert.IsType<JsonInputValue>(InputResolver.FromFile(path, null, OutputFormat.Json));

        Assert.Equal(1, (int)value.Value!["k"]!);
    }

    [Theory]
    [InlineData("utf-16")]
    [InlineData("utf-16BE")]
    [InlineData("utf-32")]
    [InlineData("utf-8")]
    public void FromFile_TextWithByteOrderMark_DecodedInItsEncoding(string encodingName)
    {
        var path = Path.Combine(_project.Path, "out", "bom.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var encoding = System.Text.Encoding.GetEncoding(encodingName);
        File.WriteAllBytes(path, [.. encoding.GetPreamble(), .. encoding.GetBytes("naïve — café")]);

        var value = Assert.IsType<TextInputValue>(InputResolver.FromFile(path, null, OutputFormat.Text));

        Assert.Equal("naïve — café", value.Text);
    }

    public void Dispose() => _project.Dispose();
}
