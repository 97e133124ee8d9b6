using Dhee.BuiltIn.Ffmpeg;

namespace Dhee.Tests.BuiltIn.Ffmpeg;

public class FfmpegProcessTests
{
    [Fact]
    public void OnProgressLine_OutTime_ReportsFractionOfExpected()
    {
        var reports = new List<(double? Fraction, string Message)>();

        FfmpegProcess.OnProgressLine("frame=10", 4, (f, m) => reports.Add((f, m)));
        FfmpegProcess.OnProgressLine("out_time_us=1000000", 4, (f, m) => reports.Add((f, m)));
        FfmpegProcess.OnProgressLine("out_time_us=N/A", 4, (f, m) => reports.Add((f, m)));
        FfmpegProcess.OnProgressLine("out_time_us=9000000", 4, (f, m) => reports.Add((f, m)));
        FfmpegProcess.OnProgressLine("progress=end", 4, (f, m) => reports.Add((f, m)));

        Assert.Equal([0.25, 1.0, 1.0], reports.Select(r => r.Fraction));
        Assert.Equal("encoded 1.0s of 4.0s", reports[0].Message);
    }

    [Fact]
    public void OnProgressLine_UnknownLength_ReportsNullFraction()
    {
        double? fraction = -1;

        FfmpegProcess.OnProgressLine("out_time_us=500000", null, (f, _) => fraction = f);

        Assert.Null(fraction);
    }
}
