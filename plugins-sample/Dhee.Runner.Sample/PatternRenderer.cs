namespace Dhee.Runner.Sample;

/// <summary>Renders a <see cref="PatternRunner.PatternSpec"/> to RGB pixels; integer and double maths only, so it is deterministic.</summary>
internal static class PatternRenderer
{
    public static byte[] Render(PatternRunner.PatternSpec spec, CancellationToken token)
    {
        var rng = new SplitMix64((ulong)spec.Seed ^ 0x9E3779B97F4A7C15UL);
        var a = 2 + (int)(rng.Next() % 14);
        var b = 1 + (int)(rng.Next() % 7);
        var cx = (int)(rng.Next() % (ulong)spec.Width);
        var cy = (int)(rng.Next() % (ulong)spec.Height);
        var f1 = 0.01 + (rng.Next() % 1000) / 20000.0;
        var f2 = 0.01 + (rng.Next() % 1000) / 20000.0;
        var count = spec.Palette.Count;
        var pixels = new byte[spec.Width * spec.Height * 3];
        for (var y = 0; y < spec.Height; y++)
        {
            token.ThrowIfCancellationRequested(); // cancel between rows: a large render stops promptly
            for (var x = 0; x < spec.Width; x++)
            {
                var index = spec.Style switch
                {
                    "stripes" => ((x * b) + (y * (8 - b))) / (a * 2),
                    "checker" => (x / (a * 2)) + (y / (a * 2)),
                    "rings" => (int)Math.Sqrt(((x - cx) * (x - cx)) + ((y - cy) * (y - cy))) / a,
                    _ => (int)((Math.Sin(x * f1) + Math.Sin(y * f2) + Math.Sin((x + y) * (f1 + f2) / 2) + 3) * count / 6 * 4),
                };
                var (r, g, bl) = spec.Palette[((index % count) + count) % count];
                var offset = ((y * spec.Width) + x) * 3;
                pixels[offset] = r;
                pixels[offset + 1] = g;
                pixels[offset + 2] = bl;
            }
        }

        return pixels;
    }
}
