using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dhee.Errors;
using Dhee.Validation;

namespace Dhee.Bundles;

/// <summary>
/// Loads bundles from a folder (<c>bundle.json</c> plus <c>prompts/</c>, <c>schemas/</c>, <c>workflows/</c>) or a single JSON
/// file, and validates them, reporting every problem at once with file, JSON path, line, column and a fix.
/// </summary>
/// <remarks>
/// The JSON may contain comments and trailing commas. Runner-specific checks (tool registered, versions, credentials,
/// config schemas) are done by the runner registry's <c>ValidateBundle</c>.
/// </remarks>
public static class BundleLoader
{
    /// <summary>The file name of a bundle inside a bundle folder.</summary>
    public const string BundleFileName = "bundle.json";

    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        MaxDepth = 128,
    };

    private static readonly JsonNodeOptions NodeOptions = new() { PropertyNameCaseInsensitive = false };

    /// <summary>Loads and validates a bundle.</summary>
    /// <param name="path">A folder containing <c>bundle.json</c>, or a bundle's <c>.json</c> file.</param>
    /// <returns>The bundle.</returns>
    /// <exception cref="DheeValidationException">The bundle is missing or invalid; lists every problem.</exception>
    public static Bundle Load(string path)
    {
        var result = TryLoad(path);
        return result.Success ? result.Bundle! : throw Invalid(result, path);
    }

    /// <summary>Loads and validates a bundle without throwing for bad input.</summary>
    /// <param name="path">A folder containing <c>bundle.json</c>, or a bundle's <c>.json</c> file.</param>
    /// <returns>The bundle, or every problem found.</returns>
    public static BundleLoadResult TryLoad(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        string file;
        if (Directory.Exists(full))
        {
            file = Path.Combine(full, BundleFileName);
            if (!File.Exists(file))
            {
                return Failure(file, "bundle.file.missing", $"the folder '{full}' has no {BundleFileName}", $"Put the bundle in '{file}', or pass the bundle's .json file instead of the folder.");
            }
        }
        else if (File.Exists(full))
        {
            file = full;
        }
        else
        {
            return Failure(full, "bundle.file.missing", $"'{full}' does not exist", "Pass a bundle folder (containing bundle.json) or a bundle .json file.");
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Failure(file, "bundle.file.unreadable", $"'{file}' cannot be read: {ex.Message}", "Check the file's permissions.");
        }

        return TryParse(bytes, file, Path.GetDirectoryName(file));
    }

    /// <summary>Parses and validates a bundle from JSON text.</summary>
    /// <param name="json">The bundle JSON.</param>
    /// <param name="sourcePath">The file the JSON came from, named in problems; null for text from elsewhere.</param>
    /// <param name="bundleDir">The folder config paths resolve against; when null, referenced files are not checked for existence.</param>
    /// <returns>The bundle.</returns>
    /// <exception cref="DheeValidationException">The bundle is invalid; lists every problem.</exception>
    public static Bundle Parse(string json, string? sourcePath = null, string? bundleDir = null)
    {
        var result = TryParse(json, sourcePath, bundleDir);
        return result.Success ? result.Bundle! : throw Invalid(result, sourcePath ?? "bundle");
    }

    /// <summary>Parses and validates a bundle from JSON text without throwing for bad input.</summary>
    /// <param name="json">The bundle JSON.</param>
    /// <param name="sourcePath">The file the JSON came from, named in problems; null for text from elsewhere.</param>
    /// <param name="bundleDir">The folder config paths resolve against; when null, referenced files are not checked for existence.</param>
    /// <returns>The bundle, or every problem found.</returns>
    public static BundleLoadResult TryParse(string json, string? sourcePath = null, string? bundleDir = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        return TryParse(Encoding.UTF8.GetBytes(json), sourcePath is null ? null : Path.GetFullPath(sourcePath), bundleDir is null ? null : Path.GetFullPath(bundleDir));
    }

    private static BundleLoadResult TryParse(byte[] bytes, string? file, string? bundleDir)
    {
        var utf8 = bytes.AsMemory();
        if (utf8.Span.StartsWith("\uFEFF"u8))
        {
            utf8 = utf8[3..];
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8, DocumentOptions);
        }
        catch (JsonException ex)
        {
            var problem = new ValidationProblem
            {
                File = file,
                Line = ex.LineNumber is { } line ? (int)line + 1 : null,
                Column = ex.BytePositionInLine is { } column ? (int)column + 1 : null,
                Code = "bundle.json.malformed",
                Message = "the file is not valid JSON: " + TrimLocation(ex.Message),
                Fix = "Fix the JSON syntax at the line and column shown (a missing comma, quote or bracket is the usual cause).",
            };
            return new BundleLoadResult { Problems = [problem], SourcePath = file };
        }

        using (document)
        {
            var problems = new ProblemCollector(file, JsonLocationMap.Build(utf8.Span, new JsonReaderOptions
            {
                CommentHandling = JsonCommentHandling.Skip,
                AllowTrailingCommas = true,
                MaxDepth = DocumentOptions.MaxDepth,
            }));
            var (bundle, nodeIndices) = new BundleReader(problems, NodeOptions, DocumentOptions).Read(document.RootElement, file, bundleDir);
            BundleValidator.Validate(bundle, nodeIndices, problems);
            return problems.HasProblems
                ? new BundleLoadResult { Problems = problems.Problems, SourcePath = file, PartialBundle = bundle }
                : new BundleLoadResult { Bundle = bundle, SourcePath = file, PartialBundle = bundle };
        }
    }

    private static BundleLoadResult Failure(string file, string code, string message, string fix) => new()
    {
        SourcePath = file,
        Problems = [new ValidationProblem { File = file, Code = code, Message = message, Fix = fix }],
    };

    private static DheeValidationException Invalid(BundleLoadResult result, string what) =>
        new($"Bundle '{result.SourcePath ?? what}' is invalid", result.Problems);

    private static string TrimLocation(string message)
    {
        // System.Text.Json appends "Path: $ | LineNumber: 3 | BytePositionInLine: 5."; the problem carries those itself.
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut < 0)
        {
            cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        }

        return (cut >= 0 ? message[..cut] : message).TrimEnd('.', ' ');
    }
}
