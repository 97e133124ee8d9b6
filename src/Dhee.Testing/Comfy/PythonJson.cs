using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dhee.Testing.Comfy;

/// <summary>Writes JSON the way Python's <c>json.dumps</c> does by default (", " and ": " separators, ASCII only), as aiohttp-based ComfyUI answers.</summary>
internal static class PythonJson
{
    public static string Serialize(JsonNode? node)
    {
        var sb = new StringBuilder();
        Write(sb, node);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, JsonNode? node)
    {
        switch (node)
        {
            case null:
                sb.Append("null");
                break;
            case JsonObject obj:
                sb.Append('{');
                var first = true;
                foreach (var (key, value) in obj)
                {
                    if (!first)
                    {
                        sb.Append(", ");
                    }

                    first = false;
                    WriteString(sb, key);
                    sb.Append(": ");
                    Write(sb, value);
                }

                sb.Append('}');
                break;
            case JsonArray array:
                sb.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(", ");
                    }

                    Write(sb, array[i]);
                }

                sb.Append(']');
                break;
            case JsonValue value:
                switch (value.GetValueKind())
                {
                    case JsonValueKind.String:
                        WriteString(sb, value.GetValue<string>());
                        break;
                    case JsonValueKind.True:
                        sb.Append("true");
                        break;
                    case JsonValueKind.False:
                        sb.Append("false");
                        break;
                    case JsonValueKind.Number:
                        if (value.TryGetValue<double>(out var d) && !value.TryGetValue<long>(out _) && value.ToJsonString().IndexOfAny(['.', 'e', 'E']) < 0)
                        {
                            // A double created in code with an integral value: Python prints it with ".0".
                            sb.Append(d.ToString("0.0##############", CultureInfo.InvariantCulture));
                        }
                        else
                        {
                            sb.Append(value.ToJsonString());
                        }

                        break;
                    default:
                        sb.Append("null");
                        break;
                }

                break;
        }
    }

    private static void WriteString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20 || c > 0x7e)
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append('"');
    }
}
