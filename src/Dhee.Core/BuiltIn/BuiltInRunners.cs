using Dhee.BuiltIn.Ffmpeg;
using Dhee.BuiltIn.Llm;
using Dhee.BuiltIn.Text;
using Dhee.Runners;

namespace Dhee.BuiltIn;

/// <summary>
/// The runners that ship with Dhee.Core: <c>llm.generate</c>, <c>text.template</c>, <c>ffmpeg.concat</c>,
/// <c>ffmpeg.kenburns</c> and <c>ffmpeg.overlay</c>, each with its manifest.
/// </summary>
public static class BuiltInRunners
{
    /// <summary>Gets the tool ids of the built-in runners.</summary>
    public static IReadOnlyList<string> Tools { get; } =
    [
        LlmGenerateRunner.Tool,
        TextTemplateRunner.Tool,
        FfmpegConcatRunner.Tool,
        FfmpegKenBurnsRunner.Tool,
        FfmpegOverlayRunner.Tool,
    ];

    /// <summary>Creates every built-in runner with its manifest, ready to register.</summary>
    /// <param name="ffmpeg">Where ffmpeg is and how to encode; null for the defaults (environment, then PATH).</param>
    /// <param name="llm">Model routing, prices and retries for <c>llm.generate</c>; null for the defaults.</param>
    /// <returns>The manifest and runner of each built-in tool.</returns>
    public static IEnumerable<(RunnerManifest Manifest, IRunner Runner)> All(FfmpegOptions? ffmpeg = null, LlmGenerateOptions? llm = null)
    {
        yield return (LlmGenerateRunner.Manifest, new LlmGenerateRunner(llm));
        yield return (TextTemplateRunner.Manifest, new TextTemplateRunner());
        yield return (FfmpegConcatRunner.Manifest, new FfmpegConcatRunner(ffmpeg));
        yield return (FfmpegKenBurnsRunner.Manifest, new FfmpegKenBurnsRunner(ffmpeg));
        yield return (FfmpegOverlayRunner.Manifest, new FfmpegOverlayRunner(ffmpeg));
    }
}
