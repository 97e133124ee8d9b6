using Dhee.Registry;
using Dhee.Runners;

namespace Dhee.Server.Catalog;

/// <summary>A catalog of every runner in a <see cref="RunnerRegistry"/>.</summary>
internal sealed class RegistryRunnerCatalog(RunnerRegistry registry) : IRunnerCatalog
{
    public IReadOnlyList<RunnerDescription> ListRunners() => registry.List().Select(r => r.Description).OrderBy(r => r.Id, StringComparer.Ordinal).ToArray();
}
