using System.Text;

namespace Dhee.Validation;

/// <summary>Builds JSON paths such as <c>$.nodes[2].runner.config.width</c> for problem reports.</summary>
internal static class JsonPaths
{
    /// <summary>Appends a property name: <c>.name</c>, or <c>['odd name']</c> when it is not a plain identifier.</summary>
    public static string Property(string basePath, string name)
    {
        if (name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_' || c == '-'))
        {
            return basePath + "." + name;
        }

        var escaped = new StringBuilder(name.Length + 4);
        foreach (var c in name)
        {
            escaped.Append(c is '\'' or '\\' ? "\\" + c : c.ToString());
        }

        return $"{basePath}['{escaped}']";
    }

    /// <summary>Appends an array index: <c>[i]</c>.</summary>
    public static string Index(string basePath, int index) => $"{basePath}[{index}]";
}
