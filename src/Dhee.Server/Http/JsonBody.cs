using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Dhee.Server.Http;

/// <summary>Reads a request body as a JSON object, answering malformed or oversized bodies with problem details.</summary>
internal static class JsonBody
{
    public static async ValueTask<(JsonObject? Body, IResult? Problem)> ReadObjectAsync(HttpContext context, long maxBytes)
    {
        var contentType = context.Request.ContentType;
        if (contentType is not null && !contentType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            return (null, ApiProblem.ContractViolation($"The body must be JSON (Content-Type: application/json), not '{contentType}'.").ToResult());
        }

        using var buffer = new MemoryStream();
        try
        {
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    return (null, DheeRequestFilter.TooLarge(maxBytes));
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, DheeRequestFilter.TooLarge(maxBytes));
        }

        if (buffer.Length == 0)
        {
            return (null, ApiProblem.ContractViolation("The request body is empty; send a JSON object.").ToResult());
        }

        try
        {
            var node = JsonNode.Parse(buffer.ToArray(), documentOptions: new JsonDocumentOptions { MaxDepth = 64 });
            return node is JsonObject obj
                ? (obj, null)
                : (null, ApiProblem.ContractViolation($"The body must be a JSON object, not {node?.GetValueKind().ToString().ToLowerInvariant() ?? "null"}.").ToResult());
        }
        catch (JsonException ex)
        {
            return (null, ApiProblem.ContractViolation($"The body is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}): {ex.Message}").ToResult());
        }
    }

    /// <summary>Converts a JSON value to a contract type, naming the offending path on failure.</summary>
    public static (T? Value, IResult? Problem) Convert<T>(JsonNode? node, string field)
        where T : class
    {
        try
        {
            var value = node.Deserialize<T>(ServerJson.Options);
            return value is null
                ? (null, ApiProblem.ContractViolation($"'{field}' must not be null.").ToResult())
                : (value, null);
        }
        catch (JsonException ex)
        {
            var path = ex.Path is null or "$" ? field : field + ex.Path.TrimStart('$');
            return (null, ApiProblem.ContractViolation($"'{path}' does not match the contract: {ex.Message}").ToResult());
        }
    }
}
