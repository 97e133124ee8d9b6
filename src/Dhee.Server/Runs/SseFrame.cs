using System.Globalization;
using System.Text.Json;

namespace Dhee.Server.Runs;

/// <summary>One run event rendered once as a Server-Sent Event (<c>id:</c> and <c>data:</c> lines), shared by every subscriber.</summary>
/// <param name="Seq">The event's sequence number.</param>
/// <param name="Bytes">The UTF-8 frame, ending with a blank line.</param>
internal sealed record SseFrame(long Seq, byte[] Bytes)
{
    public static SseFrame Render(RunEvent e)
    {
        // Straight to UTF-8: no intermediate JSON string, frame string or transcoding.
        var json = JsonSerializer.SerializeToUtf8Bytes(e, ServerJson.Options);
        Span<byte> id = stackalloc byte[20];
        e.Seq.TryFormat(id, out var idLength, default, CultureInfo.InvariantCulture);
        var bytes = new byte["id: "u8.Length + idLength + "\ndata: "u8.Length + json.Length + "\n\n"u8.Length];
        var rest = bytes.AsSpan();
        Append(ref rest, "id: "u8);
        Append(ref rest, id[..idLength]);
        Append(ref rest, "\ndata: "u8);
        Append(ref rest, json);
        Append(ref rest, "\n\n"u8);
        return new SseFrame(e.Seq, bytes);
    }

    private static void Append(ref Span<byte> destination, scoped ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(destination);
        destination = destination[bytes.Length..];
    }
}
