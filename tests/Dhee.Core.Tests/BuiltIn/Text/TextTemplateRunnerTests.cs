using System.Text.Json.Nodes;
using Dhee.BuiltIn.Text;
using Dhee.Inputs;
using Dhee.Testing;
using static Dhee.Tests.BuiltIn.RunnerContexts;

namespace Dhee.Tests.BuiltIn.Text;

public sealed class TextTemplateRunnerTests : IDisposable
{
    private readonly TestProjectDirectory _project = new("dhee-text-template");
    private readonly TextTemplateRunner _runner = new();

    public void Dispose() => _project.Dispose();

    [Fact]
    public async Task RunAsync_PercentS_ReplacedByInputText()
    {
        var ctx = Create("text.template", _project.Path, "out/a.txt",
            new JsonObject { ["template"] = "A cat: %s, in watercolour." },
            [Input("prompt", new TextInputValue("sitting on a wall"))]);

        var result = await _runner.RunAsync(ctx);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("A cat: sitting on a wall, in watercolour.", await File.ReadAllTextAsync(Path.Combine(_project.Path, "out/a.txt")));
    }

    [Fact]
    public async Task RunAsync_DoublePercentS_RendersLiteralPercentS()
    {
        var ctx = Create("text.template", _project.Path, "out/a.txt",
            new JsonObject { ["template"] = "printf(\"%%s\") prints %s; 100% sure" },
            [Input("x", new TextInputValue("hi"))]);

        var result = await _runner.RunAsync(ctx);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("printf(\"%s\") prints hi; 100% sure", await File.ReadAllTextAsync(ctx.OutputFullPath));
    }

    [Fact]
    public async Task RunAsync_NoTemplate_PassesInputThrough()
    {
        var ctx = Create("text.template", _project.Path, "out/a.md", inputs: [Input("x", new TextInputValue("# Title\nbody %s stays"))]);

        var result = await _runner.RunAsync(ctx);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("# Title\nbody %s stays", await File.ReadAllTextAsync(ctx.OutputFullPath));
    }

    [Fact]
    public async Task RunAsync_TemplateWithoutPlaceholderAndNoInput_WrittenAsIs()
    {
        var ctx = Create("text.template", _project.Path, "a.txt", new JsonObject { ["template"] = "fixed text %%s" });

        var result = await _runner.RunAsync(ctx);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("fixed text %s", await File.ReadAllTextAsync(ctx.OutputFullPath));
    }

    [Fact]
    public async Task RunAsync_PlaceholderButNoInput_FailsNamingNodeAndFix()
    {
        var ctx = Create("text.template", _project.Path, "a.txt", new JsonObject { ["template"] = "x %s" }, nodeId: "caption");

        var result = await _runner.RunAsync(ctx);

        Assert.False(result.IsSuccess);
        Assert.Contains("caption", result.Error.Message, StringComparison.Ordinal);
        Assert.Contains("%%s", result.Error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(ctx.OutputFullPath));
    }

    [Fact]
    public async Task RunAsync_SeveralInputs_JoinedInDeclaredOrderWithSeparator()
    {
        // Declared order is z, a (not alphabetical): the join must follow the declaration.
        var ctx = Create("text.template", _project.Path, "a.txt",
            new JsonObject { ["template"] = "[%s] [%s]", ["separator"] = " | " },
            [Input("z", new TextInputValue("first")), Input("a", new JsonInputValue(new JsonObject { ["k"] = 1 }))]);

        var result = await _runner.RunAsync(ctx);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("[first | {\"k\":1}] [first | {\"k\":1}]", await File.ReadAllTextAsync(ctx.OutputFullPath));
    }

    [Fact]
    public async Task RunAsync_Rerun_OverwritesAndLeavesNoTempFiles()
    {
        var first = Create("text.template", _project.Path, "d/a.txt", new JsonObject { ["template"] = "one" });
        var second = Create("text.template", _project.Path, "d/a.txt", new JsonObject { ["template"] = "two" });

        await _runner.RunAsync(first);
        await _runner.RunAsync(second);

        Assert.Equal("two", await File.ReadAllTextAsync(second.OutputFullPath));
        Assert.Single(Directory.GetFiles(Path.Combine(_project.Path, "d")));
    }

    [Theory]
    [InlineData("%s", "v", "v")]
    [InlineData("%", "v", "%")]
    [InlineData("%%", "v", "%%")]
    [InlineData("%%%s", "v", "%%s")]
    [InlineData("%s%s", "v", "vv")]
    [InlineData("a%%sb%sc", "v", "a%sbvc")]
    public void Render_EdgeCases_FollowRules(string template, string value, string expected)
        => Assert.Equal(expected, TextTemplateRunner.Render(template, value));

    [Fact]
    public void Describe_ConfigSchema_DeclaresTemplateAndRejectsUnknownFields()
    {
        var schema = _runner.Describe().ConfigSchema;

        Assert.Equal("string", schema["properties"]!["template"]!["type"]!.GetValue<string>());
        Assert.False(schema["additionalProperties"]!.GetValue<bool>());
    }
}
