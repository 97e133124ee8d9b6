using System.Text;
using System.Text.Json;
using Dhee.Validation;

namespace Dhee.Tests.Validation;

public class JsonLocationMapTests
{
    private static JsonLocationMap Map(string json) =>
        JsonLocationMap.Build(Encoding.UTF8.GetBytes(json), new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });

    [Fact]
    public void Find_NestedValues_ReturnsOneBasedLineAndColumn()
    {
        var map = Map("{\n  \"a\": [1,\n    {\"b\": true}]\n}");

        Assert.Equal((1, 1), map.Find("$"));
        Assert.Equal((2, 8), map.Find("$.a"));
        Assert.Equal((2, 9), map.Find("$.a[0]"));
        Assert.Equal((3, 5), map.Find("$.a[1]"));
        Assert.Equal((3, 11), map.Find("$.a[1].b"));
    }

    [Fact]
    public void Find_MissingPath_FallsBackToNearestParent()
    {
        var map = Map("{\n  \"a\": {\"x\": 1}\n}");

        Assert.Equal((2, 8), map.Find("$.a.missing"));
        Assert.Equal((1, 1), map.Find("$.zzz[3].q"));
    }

    [Fact]
    public void Find_NonAsciiAndOddNames_CountsCharactersAndUsesBracketPaths()
    {
        var map = Map("{\"ü\": \"é\", \"a.b\": 2}");

        Assert.Equal((1, 7), map.Find("$['ü']"));
        Assert.Equal((1, 19), map.Find("$['a.b']"));
        Assert.Equal((1, 19), map.Find("$['a.b'].deeper"));
    }
}
