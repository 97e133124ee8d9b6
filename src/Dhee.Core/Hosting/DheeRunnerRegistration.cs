using Dhee.Runners;

namespace Dhee.Hosting;

/// <summary>A runner the host added with <c>AddRunner</c>, created when the registry is first resolved.</summary>
/// <param name="Create">Creates the manifest and runner from the container.</param>
/// <param name="Source">Where the runner comes from, named in registry errors.</param>
/// <param name="ReplaceExisting">Whether it may replace a runner registered under the same tool id.</param>
internal sealed record DheeRunnerRegistration(Func<IServiceProvider, (RunnerManifest Manifest, IRunner Runner)> Create, string Source, bool ReplaceExisting);
