using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Dhee.State;

/// <summary>
/// Formats records as JSON lines into one reused buffer and hands it to a stream a chunk at a time: the journal and the
/// event log write bursts of thousands of lines, which would otherwise mean a writer per line or a buffer the size of
/// the burst.
/// </summary>
internal sealed class JsonLinesBuffer : IDisposable
{
    private const int ChunkBytes = 64 * 1024;
    private readonly ArrayBufferWriter<byte> _buffer = new(ChunkBytes + (16 * 1024));
    private readonly Utf8JsonWriter _json;

    public JsonLinesBuffer() => _json = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true });

    /// <summary>Adds <paramref name="value"/> as one line; a full chunk goes to <paramref name="stream"/>.</summary>
    public void Append<T>(T value, JsonTypeInfo<T> type, Stream stream)
    {
        _json.Reset(_buffer);
        JsonSerializer.Serialize(_json, value, type);
        _json.Flush();
        _buffer.GetSpan(1)[0] = (byte)'\n';
        _buffer.Advance(1);
        if (_buffer.WrittenCount >= ChunkBytes)
        {
            WriteTo(stream);
        }
    }

    /// <summary>Writes what is buffered to <paramref name="stream"/> (not flushed); the buffer is empty afterwards, even on failure.</summary>
    public void WriteTo(Stream stream)
    {
        try
        {
            stream.Write(_buffer.WrittenSpan);
        }
        finally
        {
            _buffer.ResetWrittenCount();
        }
    }

    public void Dispose() => _json.Dispose();
}
