using Dhee.BuiltIn.Ffmpeg;
using Dhee.Comfy.Runners;
using Dhee.BuiltIn.Llm;
using Dhee.BuiltIn.Text;
using Dhee.Registry;
using Dhee.Runners;

namespace Dhee.BuiltIn;

/// <summary>
/// The runners that ship with Dhee.Core: <c>llm.generate</c>, <c>text.template</c>, <c>ffmpeg.concat</c>,
/// <c>ffmpeg.kenburns</c> and <c>ffmpeg.overlay</c>, each with its manifest.
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
        ComfyWorkflowRunner.Manifest.Tool,
        ComfyTtiRunner.Manifest.Tool,
        ComfyGraphRunner.Manifest.Tool,
    ];

    /// <summary>Creates every built-in runner with its manifest, ready to register.</summary>
    /// <param name="ffmpeg">Where ffmpeg is and how to encode; null for the defaults (environment, then PATH).</param>
    /// <param name="llm">Model routing, prices and retries for <c>llm.generate</c>; null for the defaults.</param>
    /// <param name="comfy">The executor the <c>comfy.*</c> runners share; null for one with real clients and environment endpoints.</param>
    /// <returns>The manifest and runner of each built-in tool.</returns>
    public static IEnumerable<(RunnerManifest Manifest, IRunner Runner)> All(FfmpegOptions? ffmpeg = null, LlmGenerateOptions? llm = null, Comfy.ComfyExecutor? comfy = null)
    {
        yield return (LlmGenerateRunner.Manifest, new LlmGenerateRunner(llm));
        yield return (TextTemplateRunner.Manifest, new TextTemplateRunner());
        yield return (FfmpegConcatRunner.Manifest, new FfmpegConcatRunner(ffmpeg));
        yield return (FfmpegKenBurnsRunner.Manifest, new FfmpegKenBurnsRunner(ffmpeg));
        yield return (FfmpegOverlayRunner.Manifest, new FfmpegOverlayRunner(ffmpeg));
        yield return (ComfyWorkflowRunner.Manifest, new ComfyWorkflowRunner(comfy));
        yield return (ComfyTtiRunner.Manifest, new ComfyTtiRunner(comfy));
        yield return (ComfyGraphRunner.Manifest, new ComfyGraphRunner(comfy));
    }

    /// <summary>Registers every built-in runner with <paramref name="registry"/>, as <see cref="Source"/>.</summary>
    /// <param name="registry">The registry.</param>
    /// <param name="ffmpeg">Where ffmpeg is and how to encode; null for the defaults.</param>
    /// <param name="llm">Model routing, prices and retries for <c>llm.generate</c>; null for the defaults.</param>
    /// <param name="comfy">The executor the <c>comfy.*</c> runners share; null for the default.</param>
    /// <exception cref="Errors.DheeConfigurationException">A built-in tool id is already registered.</exception>
    public static void AddTo(RunnerRegistry registry, FfmpegOptions? ffmpeg = null, LlmGenerateOptions? llm = null, Comfy.ComfyExecutor? comfy = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        foreach (var (manifest, runner) in All(ffmpeg, llm, comfy))
        {
            registry.Register(manifest, runner, Source);
        }
    }
}
