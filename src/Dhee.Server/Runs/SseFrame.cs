using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Dhee.Server.Runs;

/// <summary>One run event rendered once as a Server-Sent Event (<c>id:</c> and <c>data:</c> lines), shared by every subscriber.</summary>
/// <param name="Seq">The event's sequence number.</param>
/// <param name="Bytes">The UTF-8 frame, ending with a blank line.</param>
internal sealed record SseFrame(long Seq, byte[] Bytes)
{
    public static SseFrame Render(RunEvent e) =>
        new(e.Seq, Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"id: {e.Seq}\ndata: {JsonSerializer.Serialize(e, ServerJson.Options)}\n\n")));
}
