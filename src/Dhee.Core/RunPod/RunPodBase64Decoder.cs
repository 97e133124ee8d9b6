using System.Buffers;
using System.Buffers.Text;

namespace Dhee.RunPod;

/// <summary>
/// Decodes base64 that arrives in pieces into a stream, through fixed buffers: whitespace is skipped, a leading
/// <c>data:…;base64,</c> prefix is dropped, and unpadded input is accepted.
/// </summary>
internal sealed class RunPodBase64Decoder : IDisposable
{
    // A multiple of 4, so every full buffer decodes without a remainder.
    private const int PendingSize = 64 * 1024;
    private const int PrefixLimit = 512;

    private readonly Stream _destination;
    private readonly CancellationToken _ct;
    private byte[] _pending = ArrayPool<byte>.Shared.Rent(PendingSize);
    private byte[] _decoded = ArrayPool<byte>.Shared.Rent(PendingSize / 4 * 3);
    private int _count;
    private bool _prefixChecked;
    private bool _padded;

    public RunPodBase64Decoder(Stream destination, CancellationToken ct)
    {
        _destination = destination;
        _ct = ct;
    }

    /// <summary>Gets the number of bytes written so far.</summary>
    public long Written { get; private set; }

    public async ValueTask AddAsync(ReadOnlyMemory<byte> chunk)
    {
        while (!chunk.IsEmpty)
        {
            var taken = Append(chunk.Span);
            chunk = chunk[taken..];
            if (_count == PendingSize)
            {
                await FlushAsync(final: false).ConfigureAwait(false);
            }
        }
    }

    public ValueTask AddAsync(byte value)
    {
        if (value is not ((byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t'))
        {
            _pending[_count++] = value;
        }

        return _count == PendingSize ? FlushAsync(final: false) : ValueTask.CompletedTask;
    }

    public ValueTask CompleteAsync() => FlushAsync(final: true);

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_pending);
        ArrayPool<byte>.Shared.Return(_decoded);
        _pending = [];
        _decoded = [];
    }

    // Copies significant characters until the pending buffer is full; returns how many input bytes were consumed.
    private int Append(ReadOnlySpan<byte> input)
    {
        var i = 0;
        for (; i < input.Length && _count < PendingSize; i++)
        {
            var b = input[i];
            if (b is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
            {
                continue;
            }

            _pending[_count++] = b;
        }

        return i;
    }

    private async ValueTask FlushAsync(bool final)
    {
        if (!_prefixChecked && (final || _count >= PrefixLimit))
        {
            _prefixChecked = true;
            if (_pending.AsSpan(0, _count).StartsWith("data:"u8))
            {
                var comma = _pending.AsSpan(0, Math.Min(_count, PrefixLimit)).IndexOf((byte)',');
                if (comma < 0)
                {
                    throw new FormatException("the value starts like a data URI but has no ',' before its base64");
                }

                _pending.AsSpan(comma + 1, _count - comma - 1).CopyTo(_pending);
                _count -= comma + 1;
                if (!final)
                {
                    return;
                }
            }
        }

        var usable = final ? _count : _count - (_count % 4);
        if (final && usable % 4 != 0)
        {
            // Unpadded base64: pad it.
            if (usable % 4 == 1)
            {
                throw new FormatException("the base64 value has a stray character at its end");
            }

            while (usable % 4 != 0)
            {
                _pending[usable++] = (byte)'=';
            }
        }

        if (usable == 0)
        {
            return;
        }

        if (_padded)
        {
            throw new FormatException("the base64 value continues after its padding");
        }

        var status = Base64.DecodeFromUtf8(_pending.AsSpan(0, usable), _decoded, out var consumed, out var written, isFinalBlock: true);
        if (status != OperationStatus.Done || consumed != usable)
        {
            throw new FormatException($"the value is not valid base64 (near byte {Written / 3 * 4 + consumed} of it)");
        }

        _padded = _pending[usable - 1] == (byte)'=';
        await _destination.WriteAsync(_decoded.AsMemory(0, written), _ct).ConfigureAwait(false);
        Written += written;
        var rest = (final ? usable : _count) - usable;
        _pending.AsSpan(usable, rest).CopyTo(_pending);
        _count = rest;
    }
}
