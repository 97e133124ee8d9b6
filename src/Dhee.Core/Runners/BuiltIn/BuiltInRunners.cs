using Dhee.BuiltIn.Ffmpeg;
using Dhee.BuiltIn.Llm;
using Dhee.BuiltIn.Text;
using Dhee.Registry;

namespace Dhee.Runners.BuiltIn;

/// <summary>
/// The runners that ship inside Dhee.Core, registered in one place so every host gets the same set:
/// <c>llm.generate</c>, <c>text.template</c>, <c>ffmpeg.concat</c>, <c>ffmpeg.kenburns</c> and <c>ffmpeg.overlay</c>.
/// </summary>
public static class BuiltInRunners
{
    /// <summary>The <see cref="RunnerRegistration.Source"/> of built-in runners.</summary>
    public const string Source = "built-in";

    /// <summary>Gets the tool ids of the built-in runners.</summary>
    public static IReadOnlyList<string> Tools { get; } =
    [
        LlmGenerateRunner.Tool,
        TextTemplateRunner.Tool,
        FfmpegConcatRunner.Tool,
        FfmpegKenBurnsRunner.Tool,
        FfmpegOverlayRunner.Tool,
    ];

    /// <summary>Registers every built-in runner with <paramref name="registry"/>.</summary>
    /// <param name="registry">The registry.</param>
    /// <param name="ffmpeg">Where ffmpeg is and how to encode; null for the defaults (environment, then PATH).</param>
    /// <param name="llm">Model routing, prices and retries for <c>llm.generate</c>; null for the defaults.</param>
    /// <exception cref="Errors.DheeConfigurationException">A built-in tool id is already registered.</exception>
    public static void AddTo(RunnerRegistry registry, FfmpegOptions? ffmpeg = null, LlmGenerateOptions? llm = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        foreach (var (manifest, runner) in All(ffmpeg, llm))
        {
            registry.Register(manifest, runner, Source);
        }
    }

    /// <summary>Creates every built-in runner with its manifest, for hosts that register runners themselves.</summary>
    /// <param name="ffmpeg">Where ffmpeg is and how to encode; null for the defaults (environment, then PATH).</param>
    /// <param name="llm">Model routing, prices and retries for <c>llm.generate</c>; null for the defaults.</param>
    /// <returns>The manifest and a new runner for each built-in tool.</returns>
    public static IEnumerable<(RunnerManifest Manifest, IRunner Runner)> All(FfmpegOptions? ffmpeg = null, LlmGenerateOptions? llm = null)
    {
        yield return (LlmGenerateRunner.Manifest, new LlmGenerateRunner(llm));
        yield return (TextTemplateRunner.Manifest, new TextTemplateRunner());
        yield return (FfmpegConcatRunner.Manifest, new FfmpegConcatRunner(ffmpeg));
        yield return (FfmpegKenBurnsRunner.Manifest, new FfmpegKenBurnsRunner(ffmpeg));
        yield return (FfmpegOverlayRunner.Manifest, new FfmpegOverlayRunner(ffmpeg));
    }
}
