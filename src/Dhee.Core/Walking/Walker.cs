using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Dhee.Bundles;
using Dhee.Caching;
using Dhee.Errors;
using Dhee.Registry;
using Dhee.Runners;
using Dhee.State;
using Dhee.Validation;

namespace Dhee.Walking;

/// <summary>
/// Runs a bundle over a project folder: plans the nodes the target depends on, runs ready instances in parallel within
/// the configured limits, fans collections out per item, isolates failures, and records every completion in a crash-safe
/// journal so the next walk resumes where this one stopped.
/// </summary>
/// <remarks>
/// Problems found before any work (unknown tools, cycles, unknown ids, unsafe output patterns, missing required bundle
/// inputs, registry validation) throw <see cref="DheeValidationException"/> listing all of them; a concurrent walk of the
/// same project throws <see cref="WalkInProgressException"/>. Everything that goes wrong during the walk is data in the
/// <see cref="WalkResult"/>.
/// </remarks>
public sealed class Walker
{
    private readonly Func<string, IRunner?> _lookup;
    private readonly Func<Bundle, IReadOnlyList<ValidationProblem>>? _validate;
    private readonly Func<string, string?> _toolVersion;
    private readonly IServiceProvider? _hostServices;
    private readonly Microsoft.Extensions.Logging.ILoggerFactory? _hostLoggers;
    private readonly IGenerationCache? _hostCache;

    /// <summary>Initializes a new instance of the <see cref="Walker"/> class.</summary>
    /// <param name="runnerLookup">Finds the runner of a tool id, or returns null when none is registered.</param>
    /// <param name="validateBundle">Validates a bundle against the registered runners before any work (for example <c>RunnerRegistry.ValidateBundle</c>), or null.</param>
    /// <param name="toolVersion">Gives a tool's version (part of each node's definition fingerprint), or null.</param>
    public Walker(Func<string, IRunner?> runnerLookup, Func<Bundle, IReadOnlyList<ValidationProblem>>? validateBundle = null, Func<string, string?>? toolVersion = null)
    {
        ArgumentNullException.ThrowIfNull(runnerLookup);
        _lookup = runnerLookup;
        _validate = validateBundle;
        _toolVersion = toolVersion ?? (_ => null);
    }

    /// <summary>
    /// Initializes a new instance of the <see cref="Walker"/> class over a registry: runners come from it, every bundle is
    /// validated with <see cref="RunnerRegistry.ValidateBundle"/> before any work, and manifest versions take part in
    /// node fingerprints (upgrading a runner re-runs its nodes).
    /// </summary>
    /// <param name="registry">The registry.</param>
    public Walker(RunnerRegistry registry)
        : this(
            tool => (registry ?? throw new ArgumentNullException(nameof(registry))).TryGet(tool, out var registration) ? registration.Runner : null,
            registry.ValidateBundle,
            tool => registry.TryGet(tool, out var registration) ? registration.Manifest.Version : null)
    {
    }

    /// <summary>Initializes a walker over a registry whose walks default to a host's services, loggers and cache (the one <c>AddDhee</c> registers).</summary>
    internal Walker(RunnerRegistry registry, IServiceProvider? services, Microsoft.Extensions.Logging.ILoggerFactory? loggers, IGenerationCache? cache)
        : this(registry)
    {
        _hostServices = services;
        _hostLoggers = loggers;
        _hostCache = cache;
    }

    /// <summary>Initializes a new instance of the <see cref="Walker"/> class over a fixed set of runners, keyed by their description's id.</summary>
    /// <param name="runners">The runners.</param>
    public Walker(IEnumerable<IRunner> runners)
        : this(ToLookup(runners))
    {
    }

    /// <summary>Walks <paramref name="bundle"/> over <see cref="WalkOptions.ProjectDir"/>.</summary>
    /// <param name="bundle">The bundle.</param>
    /// <param name="options">Where and how to walk.</param>
    /// <param name="cancellationToken">Stops the walk: nothing new starts, running runners see the token, and the result is <see cref="WalkStatus.Cancelled"/>.</param>
    /// <returns>The result, with every failure and a trace per instance.</returns>
    /// <exception cref="DheeValidationException">The bundle cannot be walked; every problem is listed.</exception>
    /// <exception cref="WalkInProgressException">Another walk holds the project.</exception>
    public async ValueTask<WalkResult> WalkAsync(Bundle bundle, WalkOptions options, CancellationToken cancellationToken = default)
        => await RunCoreAsync(bundle, options, null, cancellationToken).ConfigureAwait(false);

    /// <summary>Walks like <see cref="WalkAsync"/> and yields every event as it happens; the last is <see cref="WalkEventKind.WalkFinished"/> carrying the result.</summary>
    /// <param name="bundle">The bundle.</param>
    /// <param name="options">Where and how to walk.</param>
    /// <param name="cancellationToken">Stops the walk (the stream still ends with the finished event).</param>
    /// <returns>The events, in sequence order.</returns>
    public async IAsyncEnumerable<WalkEvent> StreamAsync(Bundle bundle, WalkOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<WalkEvent>(new UnboundedChannelOptions { SingleReader = true });
        var walk = RunCoreAsync(bundle, options, channel.Writer, cancellationToken);
        await foreach (var walkEvent in channel.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            yield return walkEvent;
        }

        await walk.ConfigureAwait(false);
    }

    /// <summary>
    /// A dry run: validates like <see cref="WalkAsync"/> and lists, per instance, whether the next walk would run it (and
    /// why: never ran, failed, interrupted, definition changed, output missing, upstream re-running) or skip it. Runs
    /// nothing and writes nothing. Collections whose items come from an output not produced yet are listed as unknown;
    /// items read from an existing output that would be regenerated may change.
    /// </summary>
    /// <param name="bundle">The bundle.</param>
    /// <param name="options">Where and how the walk would run.</param>
    /// <param name="cancellationToken">Unused today; reserved for hashing large bundle files.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="DheeValidationException">The bundle cannot be walked; every problem is listed.</exception>
    public ValueTask<WalkPlanReport> PlanAsync(Bundle bundle, WalkOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        ArgumentNullException.ThrowIfNull(options);
        cancellationToken.ThrowIfCancellationRequested();
        var (target, nodes, inputs) = Prepare(bundle, options);
        var journal = WalkJournal.OpenReadOnly(Path.GetFullPath(options.ProjectDir));
        var session = new WalkSession(bundle, options, target, nodes, inputs, journal, null, null, GenerationCache.Disabled, dryRun: true);
        return ValueTask.FromResult(session.Plan());
    }

    /// <summary>Reads the recorded state of every instance of a project (for status displays), without taking the lock.</summary>
    /// <param name="projectDir">The project folder.</param>
    /// <returns>One entry per recorded instance, ordered by key.</returns>
    public static IReadOnlyList<WalkStateEntry> ReadState(string projectDir)
        => [.. WalkJournal.ReadState(Path.GetFullPath(projectDir)).Values.OrderBy(r => r.Key, StringComparer.Ordinal).Select(ToEntry)];

    /// <summary>Reads a project's event log (<c>.dhee/events.jsonl</c>), skipping unreadable lines.</summary>
    /// <param name="projectDir">The project folder.</param>
    /// <returns>The events in sequence order.</returns>
    public static IReadOnlyList<WalkEvent> ReadEvents(string projectDir) => EventLog.ReadAll(Path.GetFullPath(projectDir));

    /// <summary>Tells whether a walk currently holds the project.</summary>
    /// <param name="projectDir">The project folder.</param>
    /// <returns>True while a live walk holds the lock.</returns>
    public static bool IsWalking(string projectDir) => ProjectLock.IsHeld(Path.GetFullPath(projectDir), TimeProvider.System);

    /// <summary>Asks a walk of the project running in another process to stop (it polls for <c>.dhee/stop</c>).</summary>
    /// <param name="projectDir">The project folder.</param>
    public static void RequestStop(string projectDir)
    {
        var path = StopFilePath(Path.GetFullPath(projectDir));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Marks a node (or one item of it) and every instance that consumed it, transitively, as not done, keeping their
    /// outputs as <c>&lt;stem&gt;.vN.&lt;ext&gt;</c> versions. The next walk runs them again.
    /// </summary>
    /// <param name="projectDir">The project folder.</param>
    /// <param name="nodeId">The node.</param>
    /// <param name="itemId">One item of a collection, or null for every instance of the node.</param>
    /// <param name="cancellationToken">Cancels before the journal is written.</param>
    /// <returns>The keys (<c>node</c> or <c>node:item</c>) invalidated.</returns>
    /// <exception cref="WalkInProgressException">A walk holds the project.</exception>
    public static async ValueTask<IReadOnlyList<string>> InvalidateAsync(string projectDir, string nodeId, string? itemId = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nodeId);
        var project = Path.GetFullPath(projectDir);
        using var projectLock = ProjectLock.Acquire(project, TimeProvider.System);
        var journal = WalkJournal.Open(project);
        await using (journal.ConfigureAwait(false))
        {
            var records = journal.Snapshot();
            var consumers = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (var record in records)
            {
                foreach (var dep in record.Dependencies?.Keys ?? Enumerable.Empty<string>())
                {
                    (consumers.TryGetValue(dep, out var list) ? list : consumers[dep] = []).Add(record.Key);
                }
            }

            var normalizedItem = itemId is null ? null : CollectionItems.Normalize(itemId);
            var queue = new Queue<string>(records.Where(r => r.Node == nodeId && (normalizedItem is null || r.Item == normalizedItem)).Select(r => r.Key));
            var seen = new HashSet<string>(queue, StringComparer.Ordinal);
            var invalidated = new List<string>();
            cancellationToken.ThrowIfCancellationRequested();
            while (queue.TryDequeue(out var key))
            {
                invalidated.Add(key);
                var record = journal.Get(key);
                if (record?.Output is { } output && Utils.SafePath.TryResolve(project, output, out var full, out _))
                {
                    OutputVersions.Preserve(full);
                }

                await journal.AppendAsync(new JournalRecord { Type = JournalRecord.Invalidated, Key = key, Node = record?.Node, Item = record?.Item }).ConfigureAwait(false);
                foreach (var consumer in consumers.GetValueOrDefault(key) ?? [])
                {
                    if (seen.Add(consumer))
                    {
                        queue.Enqueue(consumer);
                    }
                }
            }

            return invalidated;
        }
    }

    internal static string StopFilePath(string projectDir) => Path.Combine(projectDir, ".dhee", "stop");

    private async Task<WalkResult> RunCoreAsync(Bundle bundle, WalkOptions options, ChannelWriter<WalkEvent>? stream, CancellationToken cancellationToken)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(bundle);
            ArgumentNullException.ThrowIfNull(options);
            options = options.WithDefaults(_hostServices, _hostLoggers, _hostCache);

            var projectDir = Path.GetFullPath(options.ProjectDir);

            // The journal is read on another core while the bundle is planned (fingerprints and all); both take a while
            // for large bundles, and re-walks of finished projects are mostly these two.
            var preload = WalkJournal.PreloadAsync(projectDir);
            var (target, nodes, bundleInputs) = Prepare(bundle, options);

            Directory.CreateDirectory(projectDir);
            using var projectLock = ProjectLock.Acquire(projectDir, options.TimeProvider);
            Utils.AtomicFile.TryDelete(StopFilePath(projectDir)); // a stop request that arrived when nothing was walking
            var journal = WalkJournal.Open(projectDir, options.JournalCompactionThreshold, await preload.ConfigureAwait(false));
            await using (journal.ConfigureAwait(false))
            {
                var events = EventLog.Open(projectDir);
                await using (events.ConfigureAwait(false))
                {
                    var cache = options.Cache ?? GenerationCache.Open();
                    var session = new WalkSession(bundle, options, target, nodes, bundleInputs, journal, events, stream, cache);
                    var result = await session.RunAsync(cancellationToken).ConfigureAwait(false);
                    stream?.TryComplete();
                    return result;
                }
            }
        }
        catch (Exception e)
        {
            stream?.TryComplete(e);
            throw;
        }
    }

    private (string Target, List<PlannedNode> Nodes, Dictionary<string, Inputs.InputValue> Inputs) Prepare(Bundle bundle, WalkOptions options)
    {
        if (options.MaxParallelism < 1)
        {
            throw new DheeConfigurationException($"WalkOptions.MaxParallelism is {options.MaxParallelism}; use 1 or more.");
        }

        var problems = new List<ValidationProblem>();
        if (_validate is not null)
        {
            problems.AddRange(_validate(bundle));
        }

        var target = options.To ?? bundle.Goal;
        var reported = problems.Select(p => p.JsonPath).ToHashSet(StringComparer.Ordinal);
        var planProblems = new List<ValidationProblem>();
        var nodes = WalkPlanner.Plan(bundle, target, _lookup, _toolVersion, planProblems);
        problems.AddRange(planProblems.Where(p => p.Code != "walk.runner-missing" || !reported.Contains(p.JsonPath)));
        var bundleInputs = InputResolver.ResolveBundleInputs(bundle, Path.GetFullPath(options.ProjectDir), problems);
        if (problems.Count > 0)
        {
            throw new DheeValidationException($"bundle '{bundle.Id}' cannot be walked{(options.To is null ? string.Empty : $" to '{options.To}'")}", problems);
        }

        return (target, nodes, bundleInputs);
    }

    private static WalkStateEntry ToEntry(JournalRecord record) => new()
    {
        NodeId = record.Node ?? record.Key,
        ItemId = record.Item,
        Tool = record.Tool,
        Status = record.Type switch
        {
            JournalRecord.Done => WalkStateStatus.Completed,
            JournalRecord.Fail => WalkStateStatus.Failed,
            _ => WalkStateStatus.Interrupted,
        },
        OutputPath = record.Output,
        Cached = record.Cached,
        InputsHash = record.InputsHash,
        CostUsd = record.CostUsd,
        Error = record.Error,
        StartedAt = record.StartedAt,
        EndedAt = record.At,
        Dependencies = [.. record.Dependencies?.Keys ?? Enumerable.Empty<string>()],
    };

    private static Func<string, IRunner?> ToLookup(IEnumerable<IRunner> runners)
    {
        ArgumentNullException.ThrowIfNull(runners);
        var map = new Dictionary<string, IRunner>(StringComparer.Ordinal);
        foreach (var runner in runners)
        {
            map[runner.Describe().Id] = runner;
        }

        return tool => map.GetValueOrDefault(tool);
    }
}
