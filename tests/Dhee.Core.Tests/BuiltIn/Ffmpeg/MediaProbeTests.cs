using System.Text.Json.Nodes;
using Dhee.BuiltIn.Ffmpeg;

namespace Dhee.Tests.BuiltIn.Ffmpeg;

public class MediaProbeTests
{
    [Fact]
    public void Parse_Mp4WithAudio_ReadsStreamsAndDuration()
    {
        var json = JsonNode.Parse("""
            { "streams": [
                { "codec_type": "video", "codec_name": "h264", "width": 160, "height": 120, "pix_fmt": "yuv420p", "avg_frame_rate": "25/1", "disposition": { "attached_pic": 0 } },
                { "codec_type": "audio", "codec_name": "aac", "sample_rate": "44100", "channels": 1 } ],
              "format": { "format_name": "mov,mp4,m4a,3gp,3g2,mj2", "duration": "1.000000" } }
            """)!.AsObject();

        var info = MediaProbe.Parse("/x.mp4", json);

        Assert.Equal(1.0, info.DurationSeconds);
        Assert.Equal(160, info.Video!.Width);
        Assert.Equal(44100, info.Audio!.SampleRate);
        Assert.True(info.IsVideoClip);
        Assert.False(info.IsStillImage);
        Assert.False(info.IsAudioOnly);
    }

    [Fact]
    public void Parse_Png_IsStillImage()
    {
        var json = JsonNode.Parse("""
            { "streams": [ { "codec_type": "video", "codec_name": "png", "width": 32, "height": 32, "r_frame_rate": "25/1", "avg_frame_rate": "0/0" } ],
              "format": { "format_name": "png_pipe" } }
            """)!.AsObject();

        var info = MediaProbe.Parse("/x.png", json);

        Assert.True(info.IsStillImage);
        Assert.False(info.IsVideoClip);
        Assert.Null(info.DurationSeconds);
        Assert.Equal("25/1", info.Video!.FrameRate);
    }

    [Fact]
    public void Parse_Mp3WithCoverArt_IsAudioOnly()
    {
        var json = JsonNode.Parse("""
            { "streams": [
                { "codec_type": "audio", "codec_name": "mp3", "sample_rate": "48000", "channels": 2, "duration": "3.5" },
                { "codec_type": "video", "codec_name": "mjpeg", "width": 300, "height": 300, "disposition": { "attached_pic": 1 } } ],
              "format": { "format_name": "mp3" } }
            """)!.AsObject();

        var info = MediaProbe.Parse("/x.mp3", json);

        Assert.True(info.IsAudioOnly);
        Assert.False(info.IsVideoClip);
        Assert.Equal(3.5, info.DurationSeconds);
    }
}
