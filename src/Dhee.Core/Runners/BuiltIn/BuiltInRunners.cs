using Dhee.Registry;

namespace Dhee.Runners.BuiltIn;

/// <summary>The runners that ship inside Dhee.Core, registered in one place so every host gets the same set.</summary>
public static class BuiltInRunners
{
    /// <summary>The <see cref="RunnerRegistration.Source"/> of built-in runners.</summary>
    public const string Source = "built-in";

    /// <summary>Registers every built-in runner with <paramref name="registry"/>.</summary>
    /// <param name="registry">The registry.</param>
    /// <exception cref="Errors.DheeConfigurationException">A built-in tool id is already registered.</exception>
    public static void AddTo(RunnerRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);

        // One line per built-in runner, for example:
        // registry.Register(TextTemplateRunner.Manifest, new TextTemplateRunner(), Source);
    }
}
