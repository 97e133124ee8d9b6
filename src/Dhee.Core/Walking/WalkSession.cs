using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Dhee.Bundles;
using Dhee.Caching;
using Dhee.Endpoints;
using Dhee.Errors;
using Dhee.Inputs;
using Dhee.Runners;
using Dhee.State;
using Dhee.Utils;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;

namespace Dhee.Walking;

/// <summary>
/// One walk: a single coordinating loop owns all scheduling state (ready set, limits, counts, journal appends) and starts
/// runner tasks; runner tasks only resolve inputs, run and verify, then post their outcome back to the loop.
/// </summary>
internal sealed class WalkSession
{
    private static readonly ResiliencePropertyKey<Instance> InstanceKey = new("dhee.instance");
    private readonly Bundle _bundle;
    private const string EndpointResourcePrefix = "endpoint:";
    private readonly WalkOptions _options;
    private readonly Dictionary<string, int?> _endpointLimits = new(StringComparer.Ordinal);
    private EndpointResolver? _endpointResolver;
    private readonly string _projectDir;
    private readonly string _target;
    private readonly List<PlannedNode> _nodes;
    private readonly Dictionary<string, InputValue> _bundleInputs;
    private readonly WalkJournal _journal;
    private readonly EventLog? _events;
    private readonly bool _dryRun;
    private readonly HashSet<string>? _onlyItems;
    private readonly ChannelWriter<WalkEvent>? _stream;
    private readonly IGenerationCache _cache;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly WalkTelemetry _telemetry;
    private readonly string _walkId = Guid.NewGuid().ToString("N")[..12];
    private readonly Lock _eventLock = new();
    private readonly Channel<(Instance Instance, Outcome Outcome)> _completions = Channel.CreateUnbounded<(Instance, Outcome)>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true });
    private readonly SortedSet<Instance> _ready = new(ReadyOrder.Instance);
    private readonly Queue<Instance> _settled = new();
    private readonly Queue<PlannedNode> _materialize = new();
    private readonly Dictionary<string, int> _toolRunning = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _resourceRunning = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _toolPlanned = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _resourcePlanned = new(StringComparer.Ordinal);
    private readonly List<Instance> _starting = [];
    private readonly List<Instance> _halted = [];
    private readonly List<WalkFailure> _failures = [];
    private readonly List<CollectionReport> _collections = [];
    private readonly ResiliencePipeline<RunnerResult> _pipeline;
    private readonly CancellationTokenSource _stop = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _safeDirectories = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Instance, InputValue?> _valueCache = new();
    private readonly ProjectListing _listing;
    private readonly InlineStartPolicy _inline = new();
    private long _sequence;
    private int _running;
    private int _done;
    private int _total;
    private decimal _spent;
    private bool _budgetHit;
    private string? _budgetStoppedAt;
    private bool _failFastTriggered;
    private bool _stopFileSeen;

    public WalkSession(Bundle bundle, WalkOptions options, string target, List<PlannedNode> nodes, Dictionary<string, InputValue> bundleInputs,
        WalkJournal journal, EventLog? events, ChannelWriter<WalkEvent>? stream, IGenerationCache cache, bool dryRun = false)
    {
        _bundle = bundle;
        _options = options;
        _projectDir = Path.GetFullPath(options.ProjectDir);
        _listing = new ProjectListing(_projectDir);
        _target = target;
        _nodes = nodes;
        _bundleInputs = bundleInputs;
        _journal = journal;
        _events = events;
        _dryRun = dryRun;
        _onlyItems = options.OnlyItems is null ? null : [.. options.OnlyItems.Select(i => CollectionItems.Normalize(i) ?? i)];
        _stream = stream;
        _cache = cache;
        _time = options.TimeProvider;
        _telemetry = new WalkTelemetry(_time);
        _logger = options.LoggerFactory?.CreateLogger("Dhee.Walking.Walker") ?? NullLogger.Instance;
        _sequence = events?.LastSequence ?? 0;
        _pipeline = BuildPipeline();
        _spent = journal.SpentUsd();
    }

    public async Task<WalkResult> RunAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var walkSpan = _telemetry.StartWalk(_bundle, _walkId, _target, _nodes.Count);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        var token = linked.Token;
        using var stopWatcher = new CancellationTokenSource();
        var watcher = _options.WatchStopFile ? WatchStopFileAsync(stopWatcher.Token) : Task.CompletedTask;
        Publish(WalkEventKind.WalkStarted, message: $"target {_target}", itemCount: _nodes.Count);
        _logger.LogInformation("walk {WalkId}: {Count} nodes towards '{Target}'", _walkId, _nodes.Count, _target);

        foreach (var node in _nodes)
        {
            _materialize.Enqueue(node);
        }

        Drain();
        while (true)
        {
            if (!token.IsCancellationRequested)
            {
                Dispatch(token);
            }

            if (_running == 0)
            {
                break;
            }

            var (instance, outcome) = await _completions.Reader.ReadAsync(CancellationToken.None).ConfigureAwait(false);
            Handle(instance, outcome);
            while (_completions.Reader.TryRead(out var more))
            {
                Handle(more.Instance, more.Outcome);
            }

            Drain();
        }

        await stopWatcher.CancelAsync().ConfigureAwait(false);
        await watcher.ConfigureAwait(false);
        await _journal.FlushAsync().ConfigureAwait(false);
        var cancelled = cancellationToken.IsCancellationRequested || _stopFileSeen;
        var result = BuildResult(cancelled, clock.Elapsed);
        _telemetry.EndWalk(walkSpan, result);
        Publish(WalkEventKind.WalkFinished, message: $"{result.Status}: {result.Message}", cost: result.SpentUsd, result: result);
        _logger.LogInformation("walk {WalkId}: {Status} — {Message}", _walkId, result.Status, result.Message);
        return result;
    }

    private void Drain()
    {
        while (_materialize.Count > 0 || _settled.Count > 0)
        {
            while (_materialize.TryDequeue(out var node))
            {
                TryMaterialize(node);
            }

            while (_settled.TryDequeue(out var instance))
            {
                foreach (var dependent in instance.Dependents)
                {
                    if (dependent.State != InstanceState.Pending)
                    {
                        continue;
                    }

                    if (!instance.Succeeded)
                    {
                        Block(dependent, $"{instance.Label} {(instance.State == InstanceState.Failed ? "failed" : "is blocked")}");
                        continue;
                    }

                    if (--dependent.Remaining == 0)
                    {
                        Evaluate(dependent);
                    }
                }

                foreach (var downstream in instance.Node.Downstream)
                {
                    if (downstream.Phase == NodePhase.Waiting)
                    {
                        _materialize.Enqueue(downstream);
                    }
                }
            }
        }
    }

    private void TryMaterialize(PlannedNode node)
    {
        if (node.Phase != NodePhase.Waiting)
        {
            return;
        }

        foreach (var upstream in node.Upstream)
        {
            if (upstream.Phase is NodePhase.Failed or NodePhase.Blocked)
            {
                BlockNode(node, $"upstream node '{upstream.Id}' {(upstream.Phase == NodePhase.Failed ? "failed" : "is blocked")}");
                return;
            }

            if (upstream.Phase == NodePhase.Waiting)
            {
                return;
            }
        }

        List<(string? Id, JsonNode? Item)> items;
        if (!node.IsCollection)
        {
            items = [(null, null)];
        }
        else if (!TryGetItems(node, out items, out var wait))
        {
            if (wait)
            {
                return;
            }

            return; // failed or blocked inside
        }

        node.Phase = NodePhase.Materialized;
        for (var i = 0; i < items.Count; i++)
        {
            var (itemId, item) = items[i];
            var instance = new Instance
            {
                Node = node,
                ItemId = itemId,
                Item = item,
                Index = i,
                Key = Instance.KeyOf(node.Id, itemId),
                OutputPattern = OutputPattern.Render(node.Node.Outputs.Pattern, node.Id, itemId),
                Sources = new Instance[]?[node.Node.Inputs.Count],
            };
            instance.ResourceKey = _options.ResourceKeySelector is { } selector ? selector(node.Node, itemId) : DefaultResourceKey(node.Node);
            node.Instances.Add(instance);
            if (itemId is not null)
            {
                node.AddItem(itemId, instance);
            }

            _total++;
            WireDependencies(instance);
        }

        foreach (var instance in node.Instances)
        {
            if (instance.State != InstanceState.Pending)
            {
                continue;
            }

            var failedDep = instance.Deps.FirstOrDefault(d => d.State is InstanceState.Failed or InstanceState.Blocked);
            if (failedDep is not null)
            {
                Block(instance, $"{failedDep.Label} {(failedDep.State == InstanceState.Failed ? "failed" : "is blocked")}");
                continue;
            }

            foreach (var dep in instance.Deps)
            {
                if (!dep.Succeeded)
                {
                    instance.Remaining++;
                    dep.Dependents.Add(instance);
                }
            }

            if (instance.Remaining == 0)
            {
                Evaluate(instance);
            }
        }

        // Nodes downstream can now wire their instances to these (an empty collection lets them proceed with empty inputs).
        foreach (var downstream in node.Downstream)
        {
            _materialize.Enqueue(downstream);
        }
    }

    private bool TryGetItems(PlannedNode node, out List<(string? Id, JsonNode? Item)> items, out bool wait)
    {
        items = [];
        wait = false;
        JsonNode? json = null;
        string sourceName;
        if (node.ItemSourceNode is { } source)
        {
            sourceName = source.Id;
            if (source.IsCollection)
            {
                items = [.. source.Instances.Select(i => (i.ItemId, i.Item?.DeepClone()))];
                _collections.Add(new CollectionReport(node.Id, source.Id, "fan-through", items.Count));
                Publish(WalkEventKind.CollectionMaterialized, node.Id, message: $"{items.Count} items from {source.Id} (fan-through)", itemCount: items.Count);
                return CheckEmpty(node, items);
            }

            var stage = source.Instances[0];
            if (stage.State is InstanceState.Failed or InstanceState.Blocked)
            {
                BlockNode(node, $"item source '{source.Id}' {(stage.State == InstanceState.Failed ? "failed" : "is blocked")}");
                return false;
            }

            if (!stage.Succeeded)
            {
                wait = true;
                return false;
            }

            if (_dryRun && stage.PlanReason is not null && !File.Exists(Path.Combine(_projectDir, stage.Output!)))
            {
                BlockNode(node, $"its items are known once '{source.Id}' has run");
                return false;
            }

            try
            {
                json = InputResolver.ReadJson(Path.Combine(_projectDir, stage.Output!));
            }
            catch (Exception e) when (e is IOException or System.Text.Json.JsonException or UnauthorizedAccessException)
            {
                FailNode(node, $"cannot read the items of '{node.Id}' from '{stage.Output}' (output of '{source.Id}'): {e.Message}");
                return false;
            }
        }
        else
        {
            sourceName = node.ItemSourceInput ?? "?";
            json = node.ItemSourceInput is not null && _bundleInputs.TryGetValue(node.ItemSourceInput, out var value) ? value.ToJson() : null;
        }

        var array = CollectionItems.FindArray(json, node.Node.ItemKey, out var where, out var error);
        if (array is null)
        {
            FailNode(node, $"collection '{node.Id}' cannot find its items in '{sourceName}': {error}");
            return false;
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < array.Count; i++)
        {
            var id = CollectionItems.IdOf(array[i]);
            if (id is null)
            {
                FailNode(node, $"item {i} of '{sourceName}' ({where}) has no id: use string items or give each item an 'id' or 'name'");
                return false;
            }

            if (seen.TryGetValue(id, out var other))
            {
                FailNode(node, $"items {other} and {i} of '{sourceName}' ({where}) both have the id '{id}'; item ids must be unique");
                return false;
            }

            seen[id] = i;
            items.Add((id, array[i]?.DeepClone()));
        }

        _collections.Add(new CollectionReport(node.Id, sourceName, where, items.Count));
        Publish(WalkEventKind.CollectionMaterialized, node.Id, message: $"{items.Count} items from {sourceName} ({where})", itemCount: items.Count);
        return CheckEmpty(node, items);
    }

    private bool CheckEmpty(PlannedNode node, List<(string? Id, JsonNode? Item)> items)
    {
        if (items.Count == 0 && !node.Node.AllowEmptyItems)
        {
            FailNode(node, $"collection '{node.Id}' has no items; set allowEmptyItems to allow that");
            return false;
        }

        return true;
    }

    private void WireDependencies(Instance instance)
    {
        var node = instance.Node;
        var inputs = node.Node.Inputs;
        for (var i = 0; i < inputs.Count; i++)
        {
            var input = inputs[i];
            if (input.From == node.Id)
            {
                // previousN over the node's own earlier items.
                Instance[] own = [.. node.Instances.Take(instance.Index).Reverse().Take(input.N)];
                instance.Sources[i] = own;
                AddDeps(instance, own);
                continue;
            }

            if (node.InputNodes[i] is not { } upstream)
            {
                continue; // a bundle input
            }

            var all = upstream.Instances;
            Instance[] sources; // arrays, not lists: one object per input of each of thousands of instances
            switch (input.Scope)
            {
                case InputScope.All:
                    sources = [.. all];
                    break;
                case InputScope.Any:
                    sources = all.Count > 0 ? [all[0]] : [];
                    break;
                case InputScope.PreviousN:
                    var position = instance.ItemId is not null && upstream.TryGetItem(instance.ItemId, out var same) ? same.Index : instance.Index;
                    sources = [.. all.Take(position).Reverse().Take(input.N)];
                    break;
                default:
                    sources = instance.ItemId is not null && upstream.TryGetItem(instance.ItemId, out var match) ? [match]
                        : all.Count > 0 ? [all[0]] : [];
                    break;
            }

            instance.Sources[i] = sources;
            AddDeps(instance, sources);
        }

        if (node.ItemSourceNode is { IsCollection: true } source && instance.ItemId is not null && source.TryGetItem(instance.ItemId, out var parent))
        {
            AddDeps(instance, [parent]);
        }
    }

    private static void AddDeps(Instance instance, Instance[] deps)
    {
        foreach (var dep in deps)
        {
            if (!instance.Deps.Contains(dep))
            {
                instance.Deps.Add(dep);
            }
        }
    }

    private void Evaluate(Instance instance)
    {
        var record = _journal.Get(instance.Key);
        if (record is { Type: JournalRecord.Done, Output: not null } && record.Fingerprint == instance.Node.Fingerprint && DepsMatch(instance, record)
            && _listing.FileExists(record.Output))
        {
            instance.State = InstanceState.Skipped;
            instance.Stamp = record.Stamp;
            instance.Output = record.Output;
            instance.Cached = record.Cached;
            instance.InputsHash = record.InputsHash;
            instance.CostUsd = record.CostUsd;
            _done++;
            Publish(WalkEventKind.NodeSkipped, instance.Node.Id, instance.ItemId, instance.Node.Tool, outputPath: record.Output);
            _settled.Enqueue(instance);
            return;
        }

        if (_dryRun)
        {
            instance.PlanReason = WhyRun(instance, record);
            instance.State = InstanceState.Completed;
            instance.Stamp = "planned-" + Guid.NewGuid().ToString("N");
            instance.Output = record?.Output ?? instance.OutputPattern;
            _settled.Enqueue(instance);
            return;
        }

        if (_onlyItems is not null && instance.ItemId is not null && !_onlyItems.Contains(instance.ItemId))
        {
            return; // outside --item: stays pending, reported as not started
        }

        instance.State = InstanceState.Ready;
        _ready.Add(instance);
    }

    private string WhyRun(Instance instance, JournalRecord? record)
    {
        if (record is null)
        {
            return "never ran";
        }

        switch (record.Type)
        {
            case JournalRecord.Fail:
                return $"failed last time: {record.Error}";
            case JournalRecord.Start:
                return "interrupted last time";
        }

        if (record.Fingerprint != instance.Node.Fingerprint)
        {
            return "its definition changed (config, prompt, schema, workflow, inputs or pattern)";
        }

        if (record.Output is null || !_listing.FileExists(record.Output))
        {
            return $"its output {record.Output} is missing";
        }

        var rerunning = instance.Deps.FirstOrDefault(d => d.PlanReason is not null);
        return rerunning is not null ? $"{rerunning.Label} will run" : "an upstream output changed";
    }

    /// <summary>Works out, without running anything, what a walk would run and why.</summary>
    public WalkPlanReport Plan()
    {
        foreach (var node in _nodes)
        {
            _materialize.Enqueue(node);
        }

        Drain();
        var entries = new List<PlannedInstance>();
        foreach (var node in _nodes)
        {
            if (node.Phase != NodePhase.Materialized)
            {
                entries.Add(new PlannedInstance(node.Id, null, node.Tool, PlannedAction.Unknown, node.Error ?? "waits for its upstream", null));
                continue;
            }

            foreach (var instance in node.Instances)
            {
                entries.Add(instance.State == InstanceState.Skipped
                    ? new PlannedInstance(node.Id, instance.ItemId, node.Tool, PlannedAction.UpToDate, "complete and up to date", instance.Output)
                    : instance.PlanReason is { } reason
                        ? new PlannedInstance(node.Id, instance.ItemId, node.Tool, PlannedAction.Run, reason, instance.OutputPattern)
                        : new PlannedInstance(node.Id, instance.ItemId, node.Tool, PlannedAction.Unknown, instance.Error ?? "waits for its upstream", instance.OutputPattern));
            }
        }

        return new WalkPlanReport { Target = _target, Instances = entries, Collections = [.. _collections] };
    }

    private static bool DepsMatch(Instance instance, JournalRecord record)
    {
        var recorded = record.Dependencies;
        if ((recorded?.Count ?? 0) != instance.Deps.Count)
        {
            return false;
        }

        foreach (var dep in instance.Deps)
        {
            if (recorded is null || !recorded.TryGetValue(dep.Key, out var stamp) || stamp != dep.Stamp)
            {
                return false;
            }
        }

        return true;
    }

    private void Dispatch(CancellationToken token)
    {
        if (_ready.Count == 0 || _running >= _options.MaxParallelism)
        {
            return;
        }

        // Scratch collections are fields: Dispatch runs after every completion batch.
        var start = _starting;
        var halted = _halted;
        var toolPlanned = _toolPlanned;
        var resourcePlanned = _resourcePlanned;
        start.Clear();
        halted.Clear();
        toolPlanned.Clear();
        resourcePlanned.Clear();
        var slots = _options.MaxParallelism - _running;
        foreach (var instance in _ready)
        {
            if (slots == 0)
            {
                break;
            }

            var node = instance.Node;
            if (_options.BudgetCapUsd is { } cap && node.IsPaid && _spent >= cap)
            {
                halted.Add(instance);
                continue;
            }

            var tool = node.Tool;
            var toolCount = _toolRunning.GetValueOrDefault(tool) + toolPlanned.GetValueOrDefault(tool);
            if (ToolLimit(node) is { } toolLimit && toolCount >= toolLimit)
            {
                continue;
            }

            if (instance.ResourceKey is { } resource)
            {
                var resourceCount = _resourceRunning.GetValueOrDefault(resource) + resourcePlanned.GetValueOrDefault(resource);
                if (ResourceLimit(resource) is { } resourceLimit && resourceCount >= resourceLimit)
                {
                    continue;
                }

                resourcePlanned[resource] = resourcePlanned.GetValueOrDefault(resource) + 1;
            }

            toolPlanned[tool] = toolPlanned.GetValueOrDefault(tool) + 1;
            start.Add(instance);
            slots--;
        }

        foreach (var instance in halted)
        {
            _ready.Remove(instance);
            instance.State = InstanceState.Pending;
            if (!_budgetHit)
            {
                _budgetHit = true;
                _budgetStoppedAt = instance.Label;
                Publish(WalkEventKind.BudgetExceeded, instance.Node.Id, instance.ItemId, instance.Node.Tool,
                    message: $"spent ${_spent} of the ${_options.BudgetCapUsd} cap; not starting paid node {instance.Label}", cost: _spent);
            }
        }

        foreach (var instance in start)
        {
            _ready.Remove(instance);
            instance.State = InstanceState.Running;
            _running++;
            _toolRunning[instance.Node.Tool] = _toolRunning.GetValueOrDefault(instance.Node.Tool) + 1;
            if (instance.ResourceKey is { } resource)
            {
                _resourceRunning[resource] = _resourceRunning.GetValueOrDefault(resource) + 1;
            }

            instance.StartedAt = _time.GetUtcNow();
            Publish(WalkEventKind.NodeStarted, instance.Node.Id, instance.ItemId, instance.Node.Tool);
            var record = _inline.For(instance.Node.Tool);
            if (record.Inline)
            {
                // Its outcome is queued like any other and handled after this dispatch round.
                _ = RunInstanceAsync(instance, record, token);
            }
            else
            {
                _ = Task.Run(() => RunInstanceAsync(instance, record, token), CancellationToken.None);
            }
        }
    }

    private int? ToolLimit(PlannedNode node)
    {
        int? limit = node.Description.MaxConcurrency;
        if (_options.ToolConcurrency.TryGetValue(node.Tool, out var configured))
        {
            limit = limit is null ? configured : Math.Min(limit.Value, configured);
        }

        return limit is null ? null : Math.Max(1, limit.Value);
    }

    private int? ResourceLimit(string resource)
    {
        var limit = _options.ResourceConcurrency.TryGetValue(resource, out var configured) ? configured : EndpointLimit(resource) ?? _options.DefaultResourceConcurrency;
        return limit is null ? null : Math.Max(1, limit.Value);
    }

    // The limit an endpoint's configuration gives its resource key, looked up once per key.
    private int? EndpointLimit(string resource)
    {
        if (!resource.StartsWith(EndpointResourcePrefix, StringComparison.Ordinal) || resource.Length == EndpointResourcePrefix.Length)
        {
            return null;
        }

        if (_endpointLimits.TryGetValue(resource, out var known))
        {
            return known;
        }

        int? limit = null;
        try
        {
            _endpointResolver ??= new EndpointResolver(_options.Endpoints);
            limit = _endpointResolver.GetMaxConcurrency(resource[EndpointResourcePrefix.Length..]);
        }
        catch (DheeConfigurationException ex)
        {
            // The Comfy runner reports the same configuration problem on the node itself.
            _logger.LogWarning("No concurrency limit for {Resource}: {Reason}", resource, ex.Message);
        }

        _endpointLimits[resource] = limit;
        return limit;
    }

    private static string? DefaultResourceKey(BundleNode node)
        => node.Runner.Config["endpoint"] is JsonValue v && v.TryGetValue<string>(out var endpoint) && endpoint.Length > 0 ? EndpointResourcePrefix + endpoint : null;

    private async Task RunInstanceAsync(Instance instance, InlineStartPolicy.ToolRecord starts, CancellationToken token)
    {
        using var span = _telemetry.StartInstance(instance);
        var started = _telemetry.StartTimestamp();
        Outcome outcome;
        try
        {
            var synchronousPart = Stopwatch.GetTimestamp();
            var execution = ExecuteAsync(instance, token);
            starts.Record(synchronousPart);
            outcome = await execution.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            outcome = Outcome.Interrupted();
        }
        catch (Exception e)
        {
            outcome = Outcome.Fail($"the walker could not run node {instance.Label} ({instance.Node.Tool}): {e.GetType().Name}: {e.Message}");
        }

        _telemetry.EndInstance(span, instance, outcome.Success, outcome.Cancelled, outcome.Result, outcome.Error, outcome.Code, started);
        _completions.Writer.TryWrite((instance, outcome));
    }

    private async Task<Outcome> ExecuteAsync(Instance instance, CancellationToken token)
    {
        var node = instance.Node;
        if (!TryResolveInProject(instance.OutputPattern, out var outputFull, out var pathError, createFolder: true))
        {
            return Outcome.Fail($"node {instance.Label}: output path '{instance.OutputPattern}' cannot be used: {pathError}. Fix the output pattern or the item id, or move what is in the way.");
        }

        var inputs = InputResolver.Resolve(instance, _bundleInputs, _projectDir, _valueCache);
        OutputVersions.Preserve(outputFull);
        _journal.Append(RecordOf(instance, JournalRecord.Start));

        var context = new RunnerContext
        {
            ProjectDir = _projectDir,
            BundleDir = _bundle.BundleDir,
            Node = node.Node,
            ItemId = instance.ItemId,
            Item = instance.Item?.DeepClone(),
            Inputs = inputs,
            OutputPath = instance.OutputPattern,
            CancellationToken = token,
            Logger = _options.LoggerFactory?.CreateLogger($"Dhee.Runner.{node.Tool}") ?? NullLogger.Instance,
            Services = _options.Services ?? EmptyServiceProvider.Instance,
            TimeProvider = _time,
            Cache = _cache,
            Progress = new ProgressSink(this, instance),
        };

        var resilience = ResilienceContextPool.Shared.Get(token);
        resilience.Properties.Set(InstanceKey, instance);
        RunnerResult result;
        try
        {
            result = await _pipeline.ExecuteAsync(
                static async (ctx, state) => await state.Session.CallRunnerAsync(state.Instance, state.Context).ConfigureAwait(false),
                resilience,
                (Session: this, Instance: instance, Context: context)).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(resilience);
        }

        if (token.IsCancellationRequested && !result.IsSuccess)
        {
            return Outcome.Interrupted();
        }

        if (!result.IsSuccess)
        {
            return Outcome.Fail(result.Error.Message, result.Error.Code);
        }

        // Verify: the output must exist and lie inside the project.
        var reported = result.OutputPath;
        if (string.Equals(reported, instance.OutputPattern, StringComparison.Ordinal) || string.Equals(reported, outputFull, StringComparison.Ordinal))
        {
            return File.Exists(outputFull)
                ? Outcome.Ok(instance.OutputPattern.Replace('\\', '/'), result)
                : Outcome.Fail($"runner '{node.Tool}' reported success for node {instance.Label} but its output '{instance.OutputPattern}' does not exist. The runner must write its output before returning success.", "walk.output-missing");
        }

        string relative;
        if (Path.IsPathRooted(reported))
        {
            var full = Path.GetFullPath(reported);
            if (!SafePath.IsInside(_projectDir, full))
            {
                return Outcome.Fail($"runner '{node.Tool}' returned the output path '{reported}' for node {instance.Label}, which is outside the project folder '{_projectDir}'. The runner must write under the project (context.OutputFullPath).", "walk.output-outside");
            }

            relative = Path.GetRelativePath(_projectDir, full);
        }
        else
        {
            relative = reported;
        }

        if (!TryResolveInProject(relative, out var verified, out var error))
        {
            return Outcome.Fail($"runner '{node.Tool}' returned the output path '{reported}' for node {instance.Label}: {error}. The runner must write under the project (context.OutputFullPath).", "walk.output-outside");
        }

        if (!File.Exists(verified))
        {
            return Outcome.Fail($"runner '{node.Tool}' reported success for node {instance.Label} but its output '{relative}' does not exist. The runner must write its output before returning success.", "walk.output-missing");
        }

        return Outcome.Ok(Path.GetRelativePath(_projectDir, verified).Replace('\\', '/'), result);
    }

    /// <summary>
    /// Resolves a project-relative path like <see cref="SafePath.TryResolve"/>, checking each folder for links that leave the
    /// project once per walk (folders are shared by many instances; the per-segment link checks are the expensive part).
    /// With <paramref name="createFolder"/>, the path's folder is created once checked, so the runner finds it in place.
    /// </summary>
    private bool TryResolveInProject(string relative, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? full, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error, bool createFolder = false)
    {
        full = null;
        error = SafePath.Check(relative);
        if (error is not null)
        {
            return false;
        }

        var candidate = Path.GetFullPath(Path.Combine(_projectDir, relative));
        if (!SafePath.IsInside(_projectDir, candidate))
        {
            error = $"'{relative}' resolves outside '{_projectDir}'";
            return false;
        }

        var directory = Path.GetDirectoryName(candidate) ?? _projectDir;
        if (!_safeDirectories.ContainsKey(directory))
        {
            // A folder that does not exist yet is as safe as its deepest existing ancestor (what SafePath checks), so a
            // checked ancestor answers for it; only existing folders are remembered, a folder created later is checked then.
            var existing = directory;
            while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is { } parent && parent.Length >= _projectDir.Length)
            {
                existing = parent;
            }

            if (!_safeDirectories.ContainsKey(existing))
            {
                var relativeDir = Path.GetRelativePath(_projectDir, directory);
                if (!SafePath.TryResolve(_projectDir, relativeDir, out _, out error))
                {
                    error = error.Replace($"'{relativeDir}'", $"'{relative}'", StringComparison.Ordinal);
                    return false;
                }

                if (Directory.Exists(existing))
                {
                    _safeDirectories.TryAdd(existing, 0);
                }
            }

            if (createFolder)
            {
                // Created under a checked ancestor, by us: a real folder, safe for every later instance writing there.
                try
                {
                    Directory.CreateDirectory(directory);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    error = $"its folder '{Path.GetRelativePath(_projectDir, directory)}' cannot be created ({e.Message})";
                    return false;
                }

                _safeDirectories.TryAdd(directory, 0);
            }
        }

        full = candidate;
        return true;
    }

    private async ValueTask<RunnerResult> CallRunnerAsync(Instance instance, RunnerContext context)
    {
        instance.Attempts++;
        try
        {
            return await instance.Node.Runner.RunAsync(context).ConfigureAwait(false)
                ?? RunnerResult.Failure($"runner '{instance.Node.Tool}' returned no result for node {instance.Label}");
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            return RunnerResult.Failure($"runner '{instance.Node.Tool}' threw {e.GetType().FullName}: {e.Message}");
        }
    }

    private void Handle(Instance instance, Outcome outcome)
    {
        _running--;
        _toolRunning[instance.Node.Tool]--;
        if (instance.ResourceKey is { } resource)
        {
            _resourceRunning[resource]--;
        }

        instance.EndedAt = _time.GetUtcNow();
        var node = instance.Node;
        if (outcome.Cancelled)
        {
            instance.State = InstanceState.Cancelled;
            return;
        }

        if (!outcome.Success)
        {
            instance.State = InstanceState.Failed;
            instance.Error = outcome.Error;
            _done++;
            _failures.Add(new WalkFailure(node.Id, instance.ItemId, node.Tool, outcome.Error!, outcome.Code));
            var failure = RecordOf(instance, JournalRecord.Fail);
            failure.Error = outcome.Error;
            failure.At = instance.EndedAt;
            _journal.Append(failure);
            Publish(WalkEventKind.NodeFailed, node.Id, instance.ItemId, node.Tool, message: outcome.Error);
            _logger.LogWarning("✗ {Node} ({Tool}): {Error}", instance.Label, node.Tool, outcome.Error);
            _settled.Enqueue(instance);
            TriggerFailFast();
            return;
        }

        var result = outcome.Result!;
        instance.State = InstanceState.Completed;
        instance.Output = outcome.Output;
        instance.Stamp = Guid.NewGuid().ToString("N")[..16];
        instance.Cached = result.Cached;
        instance.InputsHash = result.InputsHash;
        instance.CostUsd = result.CostUsd;
        if (!instance.Cached)
        {
            _spent += instance.CostUsd;
        }

        _done++;
        var done = RecordOf(instance, JournalRecord.Done);
        done.Stamp = instance.Stamp;
        done.Fingerprint = node.Fingerprint;
        done.Output = instance.Output;
        done.Dependencies = instance.Deps.ToDictionary(d => d.Key, d => d.Stamp!, StringComparer.Ordinal);
        done.InputsHash = instance.InputsHash;
        done.Cached = instance.Cached;
        done.CostUsd = instance.CostUsd;
        done.At = instance.EndedAt;
        _journal.Append(done);
        Publish(instance.Cached ? WalkEventKind.NodeCached : WalkEventKind.NodeCompleted, node.Id, instance.ItemId, node.Tool, outputPath: instance.Output, cost: instance.CostUsd);
        _settled.Enqueue(instance);
    }

    private static JournalRecord RecordOf(Instance instance, string type) => new()
    {
        Type = type,
        Key = instance.Key,
        Node = instance.Node.Id,
        Item = instance.ItemId,
        Tool = instance.Node.Tool,
        StartedAt = instance.StartedAt,
    };

    private void TriggerFailFast()
    {
        if (_options.FailFast && !_failFastTriggered)
        {
            _failFastTriggered = true;
            _stop.Cancel();
        }
    }

    private void Block(Instance instance, string reason)
    {
        var work = new Stack<(Instance, string)>();
        work.Push((instance, reason));
        while (work.TryPop(out var item))
        {
            var (current, why) = item;
            if (current.State is not (InstanceState.Pending or InstanceState.Ready))
            {
                continue;
            }

            _ready.Remove(current);
            current.State = InstanceState.Blocked;
            current.Error = $"blocked: {why}";
            _done++;
            Publish(WalkEventKind.NodeBlocked, current.Node.Id, current.ItemId, current.Node.Tool, message: current.Error);
            foreach (var dependent in current.Dependents)
            {
                work.Push((dependent, $"{current.Label} is blocked"));
            }

            foreach (var downstream in current.Node.Downstream)
            {
                if (downstream.Phase == NodePhase.Waiting)
                {
                    _materialize.Enqueue(downstream);
                }
            }
        }
    }

    private void BlockNode(PlannedNode node, string reason)
    {
        node.Phase = NodePhase.Blocked;
        node.Error = $"blocked: {reason}";
        Publish(WalkEventKind.NodeBlocked, node.Id, tool: node.Tool, message: node.Error);
        foreach (var downstream in node.Downstream)
        {
            _materialize.Enqueue(downstream);
        }
    }

    private void FailNode(PlannedNode node, string error)
    {
        node.Phase = NodePhase.Failed;
        node.Error = error;
        _failures.Add(new WalkFailure(node.Id, null, node.Tool, error, "walk.items"));
        WalkTelemetry.NodeFailed(node.Tool, "walk.items");
        Publish(WalkEventKind.NodeFailed, node.Id, tool: node.Tool, message: error);
        TriggerFailFast();

        foreach (var downstream in node.Downstream)
        {
            _materialize.Enqueue(downstream);
        }
    }

    private WalkResult BuildResult(bool cancelled, TimeSpan duration)
    {
        var traces = new List<InstanceTrace>(Math.Max(_total, _nodes.Count));
        int completed = 0, cached = 0, skipped = 0, failed = 0, blocked = 0, notStarted = 0;
        void Count(InstanceStatus status, bool isCached)
        {
            switch (status)
            {
                case InstanceStatus.Completed:
                    completed++;
                    cached += isCached ? 1 : 0;
                    break;
                case InstanceStatus.Skipped:
                    skipped++;
                    break;
                case InstanceStatus.Failed:
                    failed++;
                    break;
                case InstanceStatus.Blocked:
                    blocked++;
                    break;
                default:
                    notStarted++;
                    break;
            }
        }

        foreach (var node in _nodes)
        {
            if (node.Phase != NodePhase.Materialized)
            {
                var status = node.Phase switch
                {
                    NodePhase.Failed => InstanceStatus.Failed,
                    NodePhase.Blocked => InstanceStatus.Blocked,
                    _ => InstanceStatus.NotStarted,
                };
                Count(status, isCached: false);
                traces.Add(new InstanceTrace { NodeId = node.Id, Tool = node.Tool, Status = status, Error = node.Error });
                continue;
            }

            foreach (var instance in node.Instances)
            {
                var status = instance.State switch
                {
                    InstanceState.Completed => InstanceStatus.Completed,
                    InstanceState.Skipped => InstanceStatus.Skipped,
                    InstanceState.Failed => InstanceStatus.Failed,
                    InstanceState.Blocked => InstanceStatus.Blocked,
                    InstanceState.Cancelled => InstanceStatus.Cancelled,
                    _ => InstanceStatus.NotStarted,
                };
                Count(status, instance.Cached);
                traces.Add(new InstanceTrace
                {
                    NodeId = node.Id,
                    ItemId = instance.ItemId,
                    Tool = node.Tool,
                    Status = status,
                    StartedAt = instance.StartedAt,
                    EndedAt = instance.EndedAt,
                    Cached = instance.Cached,
                    InputsHash = instance.InputsHash,
                    OutputPath = instance.Output,
                    CostUsd = instance.CostUsd,
                    Error = instance.Error,
                    Attempts = instance.Attempts,
                });
            }
        }

        var target = _nodes.FirstOrDefault(n => n.Id == _target);
        var targetDone = target is { Phase: NodePhase.Materialized } && target.Instances.All(i => i.Succeeded);
        WalkStatus walkStatus;
        string message;
        if (cancelled)
        {
            walkStatus = WalkStatus.Cancelled;
            message = "walk cancelled; walk again to resume";
        }
        else if (_failures.Count > 0)
        {
            walkStatus = WalkStatus.Failed;
            message = $"{_failures.Count} failure(s): {string.Join("; ", _failures.Take(3))}";
        }
        else if (_budgetHit)
        {
            walkStatus = WalkStatus.BudgetExceeded;
            message = $"budget cap ${_options.BudgetCapUsd} reached (spent ${_spent}); stopped before {_budgetStoppedAt}. Raise the cap and walk again to resume";
        }
        else if (targetDone)
        {
            walkStatus = WalkStatus.Succeeded;
            message = $"'{_target}' is complete";
        }
        else if (_onlyItems is not null)
        {
            walkStatus = WalkStatus.Succeeded;
            message = $"items {string.Join(", ", _onlyItems)} are complete; nodes that need every item did not run";
        }
        else
        {
            walkStatus = WalkStatus.Failed;
            message = $"'{_target}' did not complete";
        }

        message += $" ({completed - cached} ran, {cached} from cache, {skipped} already complete, {failed} failed, {blocked} blocked, {notStarted} not started)";
        return new WalkResult
        {
            Status = walkStatus,
            Target = _target,
            TargetOutputPath = targetDone && target!.Instances.Count == 1 && target.Instances[0].ItemId is null ? target.Instances[0].Output : null,
            Failures = [.. _failures],
            Traces = traces,
            Collections = [.. _collections],
            Completed = completed,
            Cached = cached,
            Skipped = skipped,
            Failed = failed,
            Blocked = blocked,
            NotStarted = notStarted,
            SpentUsd = _spent,
            BudgetStoppedAt = _budgetStoppedAt,
            Duration = duration,
            Message = message,
        };
    }

    private void Publish(WalkEventKind kind, string? nodeId = null, string? itemId = null, string? tool = null, string? message = null,
        double? progress = null, string? outputPath = null, decimal? cost = null, int? itemCount = null, WalkResult? result = null)
    {
        if (_dryRun)
        {
            return;
        }

        lock (_eventLock)
        {
            var walkEvent = new WalkEvent
            {
                Sequence = ++_sequence,
                Timestamp = _time.GetUtcNow(),
                Kind = kind,
                WalkId = _walkId,
                NodeId = nodeId,
                ItemId = itemId,
                Tool = tool,
                Message = message,
                Progress = progress,
                OutputPath = outputPath,
                CostUsd = cost,
                ItemCount = itemCount,
                Done = _done,
                Total = _total,
                Result = result,
            };
            _events?.Append(walkEvent);
            _stream?.TryWrite(walkEvent);
            try
            {
                _options.Progress?.Report(walkEvent);
            }
            catch (Exception e)
            {
                _logger.LogWarning(e, "a walk event handler threw; the walk continues");
            }
        }
    }

    private ResiliencePipeline<RunnerResult> BuildPipeline()
    {
        var retry = _options.Retry;
        if (retry.MaxRetryAttempts <= 0)
        {
            return ResiliencePipeline<RunnerResult>.Empty;
        }

        return new ResiliencePipelineBuilder<RunnerResult> { TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions<RunnerResult>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is { IsSuccess: false, Error.IsTransient: true }),
                MaxRetryAttempts = retry.MaxRetryAttempts,
                Delay = retry.Delay,
                MaxDelay = retry.MaxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = retry.UseJitter,
                OnRetry = args =>
                {
                    if (args.Context.Properties.TryGetValue(InstanceKey, out var instance))
                    {
                        Publish(WalkEventKind.NodeRetrying, instance.Node.Id, instance.ItemId, instance.Node.Tool,
                            message: $"attempt {args.AttemptNumber + 2} in {args.RetryDelay.TotalSeconds:0.##}s after: {args.Outcome.Result?.Error?.Message}");
                    }

                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    private async Task WatchStopFileAsync(CancellationToken token)
    {
        var path = Walker.StopFilePath(_projectDir);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250), _time);
        try
        {
            while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
            {
                if (File.Exists(path))
                {
                    AtomicFile.TryDelete(path);
                    _stopFileSeen = true;
                    await _stop.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private sealed record Outcome(bool Success, bool Cancelled, string? Output, RunnerResult? Result, string? Error, string? Code)
    {
        public static Outcome Ok(string output, RunnerResult result) => new(true, false, output, result, null, null);

        public static Outcome Fail(string error, string? code = null) => new(false, false, null, null, error, code);

        public static Outcome Interrupted() => new(false, true, null, null, null, null);
    }

    private sealed class ProgressSink(WalkSession session, Instance instance) : IProgress<RunnerProgress>
    {
        public void Report(RunnerProgress value)
            => session.Publish(WalkEventKind.NodeProgress, instance.Node.Id, instance.ItemId, instance.Node.Tool, message: value.Message, progress: value.Fraction);
    }

    private sealed class ReadyOrder : IComparer<Instance>
    {
        public static readonly ReadyOrder Instance = new();

        public int Compare(Instance? x, Instance? y)
        {
            if (ReferenceEquals(x, y))
            {
                return 0;
            }

            var c = (x!.Node.IsLlm ? 0 : 1).CompareTo(y!.Node.IsLlm ? 0 : 1);
            if (c == 0)
            {
                c = x.Node.Order.CompareTo(y.Node.Order);
            }

            return c != 0 ? c : x.Index.CompareTo(y.Index);
        }
    }
}
