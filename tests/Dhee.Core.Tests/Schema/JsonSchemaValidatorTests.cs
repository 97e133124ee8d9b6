using System.Text.Json.Nodes;
using Dhee.Schema;
using Dhee.Validation;

namespace Dhee.Tests.Schema;

public class JsonSchemaValidatorTests
{
    private static JsonObject Schema(string json) => JsonNode.Parse(json)!.AsObject();

    private static IReadOnlyList<ValidationProblem> Check(string instance, string schema, string basePath = "$") =>
        JsonSchemaValidator.Validate(JsonNode.Parse(instance), Schema(schema), basePath, "bundle.json");

    private static ValidationProblem Single(IReadOnlyList<ValidationProblem> problems)
    {
        Assert.Single(problems);
        return problems[0];
    }

    [Theory]
    [InlineData("5", "integer")]
    [InlineData("5.0", "integer")]
    [InlineData("5.5", "number")]
    [InlineData("\"x\"", "string")]
    [InlineData("true", "boolean")]
    [InlineData("null", "null")]
    [InlineData("{}", "object")]
    [InlineData("[]", "array")]
    public void Validate_MatchingType_ReturnsNoProblems(string instance, string type)
    {
        Assert.Empty(Check(instance, $$"""{"type":"{{type}}"}"""));
    }

    [Fact]
    public void Validate_FractionForInteger_ReportsTypeWithPathAndFile()
    {
        var problem = Single(Check("""{"width": 12.5}""", """{"type":"object","properties":{"width":{"type":"integer"}}}""", "$.nodes[2].runner.config"));

        Assert.Equal("schema.type", problem.Code);
        Assert.Equal("$.nodes[2].runner.config.width", problem.JsonPath);
        Assert.Equal("bundle.json", problem.File);
        Assert.Contains("must be an integer", problem.Message, StringComparison.Ordinal);
        Assert.Contains("12.5", problem.Message, StringComparison.Ordinal);
        Assert.NotNull(problem.Fix);
    }

    [Fact]
    public void Validate_TypeArray_AcceptsAnyListedType()
    {
        const string schema = """{"type":["string","null"]}""";

        Assert.Empty(Check("null", schema));
        Assert.Empty(Check("\"a\"", schema));
        Assert.Contains("one of string, null", Single(Check("3", schema)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MissingRequired_ReportsEachMissingProperty()
    {
        var problems = Check("""{"a":1}""", """{"type":"object","required":["a","b","c"]}""");

        Assert.Equal(["$.b", "$.c"], problems.Select(p => p.JsonPath));
        Assert.All(problems, p => Assert.Equal("schema.required", p.Code));
    }

    [Fact]
    public void Validate_ValueNotInEnum_ListsAllowedValues()
    {
        var problem = Single(Check("""{"tier":"huge"}""", """{"properties":{"tier":{"enum":["heavy","medium","light"]}}}"""));

        Assert.Equal("$.tier", problem.JsonPath);
        Assert.Contains("\"heavy\", \"medium\", \"light\"", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ConstMismatch_Reports()
    {
        Assert.Equal("schema.const", Single(Check("2", """{"const":1}""")).Code);
        Assert.Empty(Check("1", """{"const":1}"""));
    }

    [Theory]
    [InlineData("0", """{"minimum":1}""", "schema.minimum")]
    [InlineData("11", """{"maximum":10}""", "schema.maximum")]
    [InlineData("1", """{"exclusiveMinimum":1}""", "schema.exclusiveMinimum")]
    [InlineData("10", """{"exclusiveMaximum":10}""", "schema.exclusiveMaximum")]
    [InlineData("1", """{"minimum":1,"exclusiveMinimum":true}""", "schema.exclusiveMinimum")]
    [InlineData("\"ab\"", """{"minLength":3}""", "schema.minLength")]
    [InlineData("\"abcd\"", """{"maxLength":3}""", "schema.maxLength")]
    [InlineData("\"abc\"", """{"pattern":"^[0-9]+$"}""", "schema.pattern")]
    [InlineData("[]", """{"minItems":1}""", "schema.minItems")]
    [InlineData("[1,2,3]", """{"maxItems":2}""", "schema.maxItems")]
    public void Validate_BoundViolated_ReportsKeyword(string instance, string schema, string code)
    {
        Assert.Equal(code, Single(Check(instance, schema)).Code);
    }

    [Theory]
    [InlineData("1", """{"minimum":1}""")]
    [InlineData("10", """{"maximum":10}""")]
    [InlineData("\"😀😀😀\"", """{"maxLength":3}""")] // code points, not UTF-16 units
    [InlineData("\"123\"", """{"pattern":"^[0-9]+$"}""")]
    [InlineData("[1]", """{"minItems":1,"maxItems":1}""")]
    public void Validate_OnTheBound_ReturnsNoProblems(string instance, string schema)
    {
        Assert.Empty(Check(instance, schema));
    }

    [Fact]
    public void Validate_ItemsSchema_ReportsIndexedPaths()
    {
        var problems = Check("""[1,"two",3,"four"]""", """{"type":"array","items":{"type":"integer"}}""");

        Assert.Equal(["$[1]", "$[3]"], problems.Select(p => p.JsonPath));
    }

    [Fact]
    public void Validate_AdditionalPropertiesFalse_NamesUnknownPropertyAndAllowed()
    {
        var problem = Single(Check("""{"width":1,"widht":2}""", """{"properties":{"width":{}},"additionalProperties":false}"""));

        Assert.Equal("$.widht", problem.JsonPath);
        Assert.Contains("allowed: width", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_AdditionalPropertiesSchema_ChecksExtraProperties()
    {
        var problem = Single(Check("""{"a":"x","b":2}""", """{"properties":{"a":{}},"additionalProperties":{"type":"string"}}"""));

        Assert.Equal("$.b", problem.JsonPath);
    }

    [Fact]
    public void Validate_OddPropertyName_UsesBracketPath()
    {
        var problem = Single(Check("""{"my key":"x"}""", """{"properties":{"my key":{"type":"integer"}}}"""));

        Assert.Equal("$['my key']", problem.JsonPath);
    }

    [Fact]
    public void Validate_NestedObjects_CollectsEveryProblem()
    {
        const string schema = """
            {"type":"object","required":["size"],"properties":{
              "size":{"type":"object","properties":{"w":{"type":"integer","minimum":8},"h":{"type":"integer","minimum":8}}},
              "steps":{"type":"integer","maximum":100}}}
            """;
        var problems = Check("""{"size":{"w":4,"h":"tall"},"steps":500}""", schema);

        Assert.Equal(["$.size.w", "$.size.h", "$.steps"], problems.Select(p => p.JsonPath));
    }

    [Fact]
    public void Validate_AnyOf_PassesWhenOneBranchMatchesAndReportsWhenNone()
    {
        const string schema = """{"anyOf":[{"type":"string"},{"type":"integer","minimum":0}]}""";

        Assert.Empty(Check("\"a\"", schema));
        Assert.Empty(Check("3", schema));
        var problem = Single(Check("-1", schema));
        Assert.Equal("schema.anyOf", problem.Code);
        Assert.Contains("below the minimum 0", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_OneOf_RejectsZeroAndSeveralMatches()
    {
        const string schema = """{"oneOf":[{"type":"integer"},{"type":"number"}]}""";

        Assert.Empty(Check("1.5", schema));
        Assert.Contains("exactly one", Single(Check("1", schema)).Message, StringComparison.Ordinal);
        Assert.Equal("schema.oneOf", Single(Check("\"x\"", schema)).Code);
    }

    [Fact]
    public void Validate_LocalRef_ResolvesDefinitions()
    {
        const string schema = """{"$defs":{"pos":{"type":"integer","minimum":1}},"properties":{"n":{"$ref":"#/$defs/pos"}}}""";

        Assert.Empty(Check("""{"n":3}""", schema));
        Assert.Equal("schema.minimum", Single(Check("""{"n":0}""", schema)).Code);
    }

    [Fact]
    public void Validate_InvalidPattern_ReportsSchemaProblemInsteadOfThrowing()
    {
        Assert.Equal("schema.invalid", Single(Check("\"a\"", """{"pattern":"(["}""")).Code);
    }

    [Fact]
    public void Validate_ValuesBuiltInCode_AreCheckedLikeParsedOnes()
    {
        var config = new JsonObject { ["width"] = 1280, ["ratio"] = 1.5, ["name"] = "x" };
        var schema = Schema("""{"properties":{"width":{"type":"integer","maximum":1024},"ratio":{"type":"integer"},"name":{"enum":["x"]}}}""");

        var problems = JsonSchemaValidator.Validate(config, schema);

        Assert.Equal(["$.width", "$.ratio"], problems.Select(p => p.JsonPath));
    }
}
