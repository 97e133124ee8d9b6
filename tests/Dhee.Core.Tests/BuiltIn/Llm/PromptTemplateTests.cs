using Dhee.BuiltIn.Llm;

namespace Dhee.Tests.BuiltIn.Llm;

public class PromptTemplateTests
{
    [Fact]
    public void Render_SpacesInsideBraces_AllAccepted()
    {
        var text = PromptTemplate.Render("{{a}} {{ a }} {{  b_2 }}", new Dictionary<string, string> { ["a"] = "x", ["b_2"] = "y" }, out var missing);

        Assert.Equal("x x y", text);
        Assert.Empty(missing);
    }

    [Fact]
    public void Render_Missing_ListsEachOnceInOrder()
    {
        PromptTemplate.Render("{{ z }} {{ a }} {{ z }} {{ ok }}", new Dictionary<string, string> { ["ok"] = "1" }, out var missing);

        Assert.Equal(["z", "a"], missing);
    }

    [Fact]
    public void Render_ValueContainingBraces_NotRenderedAgain()
    {
        var text = PromptTemplate.Render("{{ a }}", new Dictionary<string, string> { ["a"] = "{{ b }}" }, out var missing);

        Assert.Equal("{{ b }}", text);
        Assert.Empty(missing);
    }

    [Fact]
    public void Split_WithMarker_SystemPrefixAndUserSuffix()
    {
        var (system, user) = PromptTemplate.Split("shared rules\n<<<DHEE_CACHE_BREAKPOINT>>>\nitem 7");

        Assert.Equal("shared rules", system);
        Assert.Equal("item 7", user);
    }

    [Fact]
    public void Split_WithoutMarker_AllUser()
    {
        var (system, user) = PromptTemplate.Split(" just a prompt ");

        Assert.Null(system);
        Assert.Equal("just a prompt", user);
    }
}
