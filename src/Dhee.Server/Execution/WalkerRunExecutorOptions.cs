using Dhee.Caching;
using Dhee.Walking;
using Microsoft.Extensions.Logging;

namespace Dhee.Server.Execution;

/// <summary>How <see cref="WalkerRunExecutor"/> walks each run.</summary>
public sealed class WalkerRunExecutorOptions
{
    /// <summary>Gets or sets the most node instances one run executes at once.</summary>
    /// <value>The default value is <see cref="Environment.ProcessorCount"/>.</value>
    public int MaxParallelism { get; set; } = Environment.ProcessorCount;

    /// <summary>Gets or sets the cache runners receive; null opens the default cache.</summary>
    public IGenerationCache? Cache { get; set; }

    /// <summary>Gets or sets the retry policy for transient runner failures.</summary>
    public WalkRetryOptions Retry { get; set; } = new();

    /// <summary>Gets or sets each run's spending cap in US dollars, or null for none.</summary>
    public decimal? BudgetCapUsd { get; set; }

    /// <summary>Gets or sets the endpoint configuration whose per-endpoint concurrency limits pace each walk; null reads <c>DHEE_ENDPOINTS_FILE</c> and the environment (see <see cref="WalkOptions.Endpoints"/>).</summary>
    public Dhee.Endpoints.EndpointOptions? Endpoints { get; set; }

    /// <summary>Gets or sets the services runners receive.</summary>
    public IServiceProvider? Services { get; set; }

    /// <summary>Gets or sets the logger factory for the walker and runners.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Gets or sets the longest text output previewed in events and traces, in characters.</summary>
    /// <value>The default value is 280.</value>
    public int PreviewLength { get; set; } = 280;
}
