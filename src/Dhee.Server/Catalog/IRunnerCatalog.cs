using Dhee.Runners;

namespace Dhee.Server.Catalog;

/// <summary>The runners the catalog endpoint lists (the designer's node explorer).</summary>
public interface IRunnerCatalog
{
    /// <summary>Lists every registered runner's description, including its config schema.</summary>
    /// <returns>The descriptions, ordered by tool id.</returns>
    IReadOnlyList<RunnerDescription> ListRunners();
}
