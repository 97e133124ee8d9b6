using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dhee.RunPod;

/// <summary>
/// Reads a RunPod answer from its response stream through a fixed buffer instead of as one string. A job's output can carry
/// tens of megabytes of base64: string values longer than <see cref="KeepBytes"/> are cut to their start while the rest of
/// the document becomes a tree (their JSON pointers are listed), and one chosen value can instead be decoded from base64
/// straight into a destination stream. Memory stays bounded by the buffers, whatever the size of the answer.
/// </summary>
internal sealed class RunPodJsonScanner
{
    /// <summary>String values longer than this (in UTF-8 bytes, as sent) are cut.</summary>
    internal const int KeepBytes = 64 * 1024;

    // What is kept of a cut value: enough to sniff a data-URI prefix or a file signature.
    private const int CutPrefixBytes = 256;
    private const int MaxDepth = 64;

    private readonly Stream _input;
    private readonly byte[] _buffer;
    private readonly string? _target;
    private readonly RunPodBase64Decoder? _decoder;
    private readonly List<string> _cut = [];
    private readonly CancellationToken _ct;
    private int _pos;
    private int _len;
    private bool _found;

    private RunPodJsonScanner(Stream input, byte[] buffer, string? target, RunPodBase64Decoder? decoder, CancellationToken ct)
    {
        _input = input;
        _buffer = buffer;
        _target = target;
        _decoder = decoder;
        _ct = ct;
    }

    /// <summary>Reads one JSON document.</summary>
    /// <param name="input">The response body.</param>
    /// <param name="target">The JSON pointer (for example <c>/output/images/0/data</c>) of a base64 value to decode into <paramref name="destination"/>, or null.</param>
    /// <param name="destination">Receives the decoded bytes of <paramref name="target"/>.</param>
    /// <param name="ct">Cancels the read.</param>
    /// <returns>The tree (cut values shortened, the target value empty), the cut pointers, and the decoded length when the target was found.</returns>
    /// <exception cref="JsonException">The body is not valid JSON.</exception>
    /// <exception cref="FormatException">The target value is not valid base64.</exception>
    public static async Task<Result> ReadAsync(Stream input, string? target, Stream? destination, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        using var decoder = destination is null ? null : new RunPodBase64Decoder(destination, ct);
        try
        {
            var scanner = new RunPodJsonScanner(input, buffer, target, decoder, ct);
            var root = await scanner.ReadValueAsync(string.Empty, 0).ConfigureAwait(false);
            if (await scanner.PeekAsync().ConfigureAwait(false) is not null)
            {
                throw new JsonException("unexpected data after the JSON document");
            }

            return new Result(root, scanner._cut, scanner._found ? decoder!.Written : null);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static string Pointer(string parent, string name) => parent + "/" + name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static JsonException Invalid(string what) => new($"invalid JSON: {what}");

    private async ValueTask<bool> FillAsync()
    {
        if (_pos < _len)
        {
            return true;
        }

        _pos = 0;
        _len = await _input.ReadAsync(_buffer, _ct).ConfigureAwait(false);
        return _len > 0;
    }

    // The next byte that is not whitespace, not consumed; null at the end of the body.
    private async ValueTask<byte?> PeekAsync()
    {
        while (await FillAsync().ConfigureAwait(false))
        {
            var b = _buffer[_pos];
            if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            {
                _pos++;
                continue;
            }

            return b;
        }

        return null;
    }

    private async ValueTask ExpectAsync(byte expected)
    {
        if (await PeekAsync().ConfigureAwait(false) != expected)
        {
            throw Invalid($"expected '{(char)expected}'");
        }

        _pos++;
    }

    // Right after an opening bracket: consumes the closing one of an empty object or array.
    private async ValueTask<bool> TryCloseAsync(byte close)
    {
        if (await PeekAsync().ConfigureAwait(false) != close)
        {
            return false;
        }

        _pos++;
        return true;
    }

    // After a member or element: true at the closing bracket, false at a ',' (another follows).
    private async ValueTask<bool> CommaOrCloseAsync(byte close, string container)
    {
        var next = await PeekAsync().ConfigureAwait(false);
        _pos++;
        if (next == close)
        {
            return true;
        }

        return next == (byte)',' ? false : throw Invalid($"expected ',' or '{(char)close}' in {container}");
    }

    private async ValueTask<JsonNode?> ReadValueAsync(string path, int depth)
    {
        if (depth > MaxDepth)
        {
            throw Invalid("nested too deeply");
        }

        var first = await PeekAsync().ConfigureAwait(false) ?? throw Invalid("the body ended early");
        switch (first)
        {
            case (byte)'{':
            {
                _pos++;
                var obj = new JsonObject();
                if (await TryCloseAsync((byte)'}').ConfigureAwait(false))
                {
                    return obj;
                }

                do
                {
                    await ExpectAsync((byte)'"').ConfigureAwait(false);
                    var key = await ReadStringAsync(1024, null).ConfigureAwait(false);
                    await ExpectAsync((byte)':').ConfigureAwait(false);
                    obj[key] = await ReadValueAsync(Pointer(path, key), depth + 1).ConfigureAwait(false);
                }
                while (!await CommaOrCloseAsync((byte)'}', "an object").ConfigureAwait(false));

                return obj;
            }

            case (byte)'[':
            {
                _pos++;
                var array = new JsonArray();
                if (await TryCloseAsync((byte)']').ConfigureAwait(false))
                {
                    return array;
                }

                do
                {
                    array.Add(await ReadValueAsync(Pointer(path, array.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)), depth + 1).ConfigureAwait(false));
                }
                while (!await CommaOrCloseAsync((byte)']', "an array").ConfigureAwait(false));

                return array;
            }

            case (byte)'"':
                _pos++;
                if (_decoder is not null && string.Equals(path, _target, StringComparison.Ordinal))
                {
                    await DecodeStringAsync().ConfigureAwait(false);
                    _found = true;
                    return JsonValue.Create(string.Empty);
                }

                return JsonValue.Create(await ReadStringAsync(KeepBytes, path).ConfigureAwait(false));

            default:
                return await ReadScalarAsync().ConfigureAwait(false);
        }
    }

    // Numbers, true, false, null: short tokens, parsed by the framework.
    private async ValueTask<JsonNode?> ReadScalarAsync()
    {
        var token = new byte[64];
        var length = 0;
        while (await FillAsync().ConfigureAwait(false))
        {
            var b = _buffer[_pos];
            if (b is (byte)',' or (byte)'}' or (byte)']' or (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            {
                break;
            }

            if (length == token.Length)
            {
                throw Invalid("a number or literal is too long");
            }

            token[length++] = b;
            _pos++;
        }

        return JsonNode.Parse(token.AsSpan(0, length));
    }

    // After the opening quote: keeps up to `limit` bytes as sent; a longer value is cut (its pointer recorded) and the rest skipped.
    private async ValueTask<string> ReadStringAsync(int limit, string? path)
    {
        var raw = ArrayPool<byte>.Shared.Rent(Math.Min(limit, 4096) + 2);
        var kept = 0;
        var cut = false;
        var escaped = false;
        try
        {
            while (true)
            {
                if (!await FillAsync().ConfigureAwait(false))
                {
                    throw Invalid("a string is not closed");
                }

                var span = _buffer.AsSpan(_pos, _len - _pos);
                var end = -1;
                var i = 0;
                while (i < span.Length)
                {
                    if (escaped)
                    {
                        escaped = false;
                        i++;
                        continue;
                    }

                    var next = span[i..].IndexOfAny((byte)'"', (byte)'\\');
                    if (next < 0)
                    {
                        i = span.Length;
                        break;
                    }

                    i += next;
                    if (span[i] == (byte)'\\')
                    {
                        escaped = true;
                        i++;
                        continue;
                    }

                    end = i;
                    break;
                }

                var piece = span[..(end >= 0 ? end : i)];
                var room = limit - kept;
                if (piece.Length > room)
                {
                    cut = true;
                    piece = piece[..room];
                }

                if (kept + piece.Length > raw.Length - 2)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(limit, Math.Max(raw.Length * 2, kept + piece.Length)) + 2);
                    raw.AsSpan(0, kept).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(raw);
                    raw = bigger;
                }

                piece.CopyTo(raw.AsSpan(kept));
                kept += piece.Length;
                if (end >= 0)
                {
                    _pos += end + 1;
                    break;
                }

                _pos = _len;
            }

            if (cut)
            {
                _cut.Add(path ?? "(key)");
                kept = CompleteUpTo(raw, Math.Min(kept, CutPrefixBytes));
            }

            return Unescape(raw, kept);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
        }
    }

    // The longest prefix of `length` bytes that ends on a whole character or escape.
    private static int CompleteUpTo(byte[] raw, int length)
    {
        var safe = 0;
        for (var j = 0; j < length;)
        {
            var b = raw[j];
            var size = b == (byte)'\\' ? (j + 1 < length && raw[j + 1] == (byte)'u' ? 6 : 2) : b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
            if (j + size > length)
            {
                break;
            }

            j += size;
            safe = j;
        }

        return safe;
    }

    private static string Unescape(byte[] raw, int length)
    {
        if (raw.AsSpan(0, length).IndexOf((byte)'\\') < 0)
        {
            return System.Text.Encoding.UTF8.GetString(raw, 0, length);
        }

        // Let the framework undo the escapes: the value as a JSON string literal.
        var quoted = new byte[length + 2];
        quoted[0] = (byte)'"';
        raw.AsSpan(0, length).CopyTo(quoted.AsSpan(1));
        quoted[^1] = (byte)'"';
        try
        {
            var reader = new Utf8JsonReader(quoted);
            reader.Read();
            return reader.GetString() ?? string.Empty;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // A cut that split a surrogate pair: the prefix is only used for sniffing.
            return string.Empty;
        }
    }

    // After the opening quote of the target value: feeds its characters (escapes undone) to the base64 decoder.
    private async ValueTask DecodeStringAsync()
    {
        var escape = new byte[6];
        var escapeLength = 0;
        while (true)
        {
            if (!await FillAsync().ConfigureAwait(false))
            {
                throw Invalid("a string is not closed");
            }

            if (escapeLength > 0)
            {
                escape[escapeLength++] = _buffer[_pos++];
                var needed = escape[1] == (byte)'u' ? 6 : 2;
                if (escapeLength == needed)
                {
                    await _decoder!.AddAsync(Unescaped(escape.AsSpan(0, needed))).ConfigureAwait(false);
                    escapeLength = 0;
                }

                continue;
            }

            var span = _buffer.AsMemory(_pos, _len - _pos);
            var next = span.Span.IndexOfAny((byte)'"', (byte)'\\');
            await _decoder!.AddAsync(next < 0 ? span : span[..next]).ConfigureAwait(false);
            if (next < 0)
            {
                _pos = _len;
                continue;
            }

            _pos += next + 1;
            if (span.Span[next] == (byte)'"')
            {
                await _decoder.CompleteAsync().ConfigureAwait(false);
                return;
            }

            escape[0] = (byte)'\\';
            escapeLength = 1;
        }
    }

    // Base64 is ASCII: JSON writers escape '/', '+' and '=' (\/, \u002B, \u003D) and may wrap lines (\n).
    private static byte Unescaped(ReadOnlySpan<byte> escape)
    {
        var value = escape[1] switch
        {
            (byte)'/' => '/',
            (byte)'n' or (byte)'r' or (byte)'t' => ' ',
            (byte)'u' when System.Buffers.Text.Utf8Parser.TryParse(escape[2..], out int code, out var used, 'X') && used == 4 && code < 0x80 => (char)code,
            _ => throw new FormatException($"the base64 value holds the escape {System.Text.Encoding.ASCII.GetString(escape)}, which base64 never contains"),
        };
        return (byte)value;
    }

    /// <summary>What <see cref="ReadAsync"/> read.</summary>
    /// <param name="Root">The document (cut values shortened).</param>
    /// <param name="Cut">JSON pointers of the values that were cut.</param>
    /// <param name="Decoded">The number of bytes decoded from the target value, or null when the document had no such value.</param>
    internal sealed record Result(JsonNode? Root, IReadOnlyList<string> Cut, long? Decoded);
}
