using Dhee.Bundles;
using Dhee.Caching;
using Dhee.Endpoints;
using Microsoft.Extensions.Logging;

namespace Dhee.Walking;

/// <summary>Options for one walk of a bundle over a project folder.</summary>
public sealed class WalkOptions
{
    // Backing fields so a host's defaults can fill what a caller left unset on a copy (see WithDefaults).
    private IGenerationCache? _cache;
    private IServiceProvider? _services;
    private ILoggerFactory? _loggerFactory;

    /// <summary>Gets the project folder: outputs, <c>project.json</c> and the walk state (<c>.dhee/</c>) live here.</summary>
    public required string ProjectDir { get; init; }

    /// <summary>Gets the node to run up to (its ancestors and itself only), or null for the bundle's goal.</summary>
    public string? To { get; init; }

    /// <summary>
    /// Gets collection item ids to restrict the walk to (for example to re-render one shot): collection instances for
    /// other items are not started (up-to-date ones are still reused), so nodes that need every item wait. Null runs all.
    /// </summary>
    public IReadOnlyCollection<string>? OnlyItems { get; init; }

    /// <summary>Gets the most instances run at once.</summary>
    /// <value>The default value is <see cref="Environment.ProcessorCount"/>.</value>
    public int MaxParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Gets limits on concurrent instances per tool id. They combine with the runner's own
    /// <see cref="Runners.RunnerDescription.MaxConcurrency"/> (the smaller wins).
    /// </summary>
    public IReadOnlyDictionary<string, int> ToolConcurrency { get; init; } = new Dictionary<string, int>();

    /// <summary>
    /// Gets limits on concurrent instances per resource key (for example <c>endpoint:local-gpu</c> → 1 for a GPU that runs one
    /// job at a time). An instance's key comes from <see cref="ResourceKeySelector"/>.
    /// </summary>
    public IReadOnlyDictionary<string, int> ResourceConcurrency { get; init; } = new Dictionary<string, int>();

    /// <summary>
    /// Gets the endpoint configuration whose per-endpoint limits (<see cref="EndpointDefinition.MaxConcurrency"/>, or
    /// <c>ENDPOINT_&lt;NAME&gt;_MAX_CONCURRENCY</c>) apply to resource keys <c>endpoint:&lt;name&gt;</c> that
    /// <see cref="ResourceConcurrency"/> does not list, so a limit configured once for the Comfy runners also paces the walk.
    /// Null reads the endpoints file named by <c>DHEE_ENDPOINTS_FILE</c> and the environment, as the Comfy runners do.
    /// </summary>
    public EndpointOptions? Endpoints { get; init; }

    /// <summary>Gets the limit for resource keys not listed in <see cref="ResourceConcurrency"/> (nor limited by <see cref="Endpoints"/>), or null for none.</summary>
    public int? DefaultResourceConcurrency { get; init; }

    /// <summary>
    /// Gets how an instance names the resource it occupies, or null for the default: the node's <c>runner.config.endpoint</c>
    /// string as <c>endpoint:&lt;value&gt;</c> (no key when the config has no <c>endpoint</c>). Return null for "no resource".
    /// </summary>
    public Func<BundleNode, string?, string?>? ResourceKeySelector { get; init; }

    /// <summary>Gets a value indicating whether the walk stops starting new instances after the first failure.</summary>
    /// <value>The default value is false: independent branches keep running and every failure is reported.</value>
    public bool FailFast { get; init; }

    /// <summary>Gets the retry policy for transient runner failures.</summary>
    public WalkRetryOptions Retry { get; init; } = new();

    /// <summary>
    /// Gets the spending cap in US dollars: once the walk's recorded spend (from runners' <c>costUsd</c>, across walks of
    /// this project) reaches it, no paid instance (cost hint paid API or cloud GPU) is started. Raise it and walk again to resume.
    /// </summary>
    public decimal? BudgetCapUsd { get; init; }

    /// <summary>Gets the cache runners receive; null opens the default cache (<see cref="GenerationCache.Open"/>), or uses the cache of the walker's host.</summary>
    public IGenerationCache? Cache { get => _cache; init => _cache = value; }

    /// <summary>Gets a sink that receives every walk event, in sequence order, on the walker's coordinating thread (keep it fast).</summary>
    public IProgress<WalkEvent>? Progress { get; init; }

    /// <summary>Gets the services runners receive; null for none, or the container of a walker resolved from one.</summary>
    public IServiceProvider? Services { get => _services; init => _services = value; }

    /// <summary>Gets the logger factory for the walker and runners; null for none, or the container's for a walker resolved from one.</summary>
    public ILoggerFactory? LoggerFactory { get => _loggerFactory; init => _loggerFactory = value; }

    /// <summary>Gets the clock.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Gets a value indicating whether the walk watches for <c>.dhee/stop</c> (written by <c>dhee stop</c> from another
    /// process) and cancels itself when it appears.
    /// </summary>
    /// <value>The default value is true.</value>
    public bool WatchStopFile { get; init; } = true;

    /// <summary>Gets the journal size (lines) below which it is never compacted during a walk.</summary>
    /// <value>The default value is 4096.</value>
    public int JournalCompactionThreshold { get; init; } = 4096;

    /// <summary>Returns these options, or a copy with the unset services, logger factory and cache taken from a host.</summary>
    internal WalkOptions WithDefaults(IServiceProvider? services, ILoggerFactory? loggerFactory, IGenerationCache? cache)
    {
        if ((_services is not null || services is null) && (_loggerFactory is not null || loggerFactory is null) && (_cache is not null || cache is null))
        {
            return this;
        }

        var copy = (WalkOptions)MemberwiseClone();
        copy._services ??= services;
        copy._loggerFactory ??= loggerFactory;
        copy._cache ??= cache;
        return copy;
    }
}
