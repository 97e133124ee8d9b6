using Dhee.BuiltIn.Llm;

namespace Dhee.Tests.BuiltIn.Llm;

public class LlmAnswerTests
{
    [Theory]
    [InlineData("{\"a\":1}", "{\"a\":1}")]
    [InlineData("```json\n{\"a\":1}\n```", "{\"a\":1}")]
    [InlineData("  ```\n{\"a\":1}\n```  ", "{\"a\":1}")]
    [InlineData("```JSON\r\n[1,2]\r\n```", "[1,2]")]
    [InlineData("Sure! Here it is:\n```json\n{\"a\":1}\n```\nAnything else?", "{\"a\":1}")]
    [InlineData("no fence at all", "no fence at all")]
    public void StripFences_Variants_ReturnsInnerText(string answer, string expected)
        => Assert.Equal(expected, LlmAnswer.StripFences(answer));

    [Fact]
    public void TryParseJson_Invalid_ExplainsWhereWithoutThrowing()
    {
        Assert.False(LlmAnswer.TryParseJson("{\"a\": }", out var value, out var error));
        Assert.Null(value);
        Assert.StartsWith("the answer is not valid JSON", error, StringComparison.Ordinal);
        Assert.Contains("line 1", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParseJson_Empty_SaysEmpty()
    {
        Assert.False(LlmAnswer.TryParseJson(string.Empty, out _, out var error));
        Assert.Equal("the answer was empty", error);
    }
}
