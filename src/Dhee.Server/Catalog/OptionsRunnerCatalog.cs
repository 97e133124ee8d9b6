using Dhee.Runners;

namespace Dhee.Server.Catalog;

/// <summary>A catalog of the descriptions in <see cref="DheeServerOptions.CatalogRunners"/>.</summary>
internal sealed class OptionsRunnerCatalog(DheeServerOptions options) : IRunnerCatalog
{
    public IReadOnlyList<RunnerDescription> ListRunners() => options.CatalogRunners.OrderBy(r => r.Id, StringComparer.Ordinal).ToArray();
}
