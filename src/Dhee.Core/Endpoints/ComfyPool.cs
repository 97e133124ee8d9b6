using System.Text.Json;
using System.Text.Json.Nodes;
using Dhee.Comfy;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dhee.Endpoints;

/// <summary>
/// Several ComfyUI servers (or RunPod endpoints) serving one endpoint name. Each workflow goes to an instance that has every node class it uses
/// (and every model file it names, when the instance lists them), is reachable, and has the shortest queue (then the most
/// free VRAM its <c>/system_stats</c> reports); an instance that fails repeatedly is circuit-broken and probed again after a break. Lease a per-workflow client with <see cref="Lease"/>.
/// </summary>
public sealed class ComfyPool : IAsyncDisposable
{
    private readonly List<Member> _members;
    private readonly ComfyPoolOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _picks;

    /// <summary>Initializes a new instance of the <see cref="ComfyPool"/> class.</summary>
    /// <param name="name">The endpoint name (for messages).</param>
    /// <param name="members">One client per instance; the pool owns and disposes them.</param>
    /// <param name="options">Circuit-breaker settings.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="logger">A logger.</param>
    public ComfyPool(string name, IEnumerable<IComfyClient> members, ComfyPoolOptions? options = null, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(members);
        Name = name;
        _members = [.. members.Select((c, i) => new Member(c, i))];
        if (_members.Count == 0)
        {
            throw new ArgumentException("a pool needs at least one instance", nameof(members));
        }

        _options = options ?? new ComfyPoolOptions();
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Gets the endpoint name.</summary>
    public string Name { get; }

    internal ComfyPoolOptions Options => _options;

    internal TimeProvider Time => _time;

    /// <summary>Gets a snapshot of every instance.</summary>
    public IReadOnlyList<ComfyPoolMember> Members
    {
        get
        {
            lock (_members)
            {
                return [.. _members.Select(m => new ComfyPoolMember(m.Client.BaseAddress, StateOf(m), m.Failures, m.InFlight, m.Completed, m.VramFree))];
            }
        }
    }

    /// <summary>Gets a client for one workflow run: it picks the instance at submit time and fails over once when that instance dies mid-job.</summary>
    /// <returns>The client; dispose it after the run (the instances stay open).</returns>
    public IComfyClient Lease() => new ComfyPoolClient(this);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        foreach (var member in _members)
        {
            await member.Client.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Lists what an instance lacks to run a workflow: node classes it does not have, and model files its catalog does not offer.</summary>
    /// <param name="workflow">The API workflow.</param>
    /// <param name="info">The instance's catalog.</param>
    /// <returns>The gaps (empty when it can run it).</returns>
    public static IReadOnlyList<string> MissingCapabilities(JsonObject workflow, ComfyObjectInfo info)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        ArgumentNullException.ThrowIfNull(info);
        var gaps = new List<string>();
        foreach (var (nodeId, node) in workflow)
        {
            var cls = node?["class_type"]?.ToString();
            if (cls is null)
            {
                continue;
            }

            if (!info.HasClass(cls))
            {
                gaps.Add($"node class {cls} (node {nodeId})");
                continue;
            }

            if (node!["inputs"] is not JsonObject inputs)
            {
                continue;
            }

            foreach (var spec in info.GetInputs(cls))
            {
                if (inputs[spec.Name] is JsonValue v && v.GetValueKind() == JsonValueKind.String
                    && spec.Options is { } offered
                    && ComfyExecutor.ModelExtensions.Any(e => v.GetValue<string>().EndsWith(e, StringComparison.OrdinalIgnoreCase))
                    && !offered.Contains(v.GetValue<string>(), StringComparer.Ordinal))
                {
                    gaps.Add($"model {v.GetValue<string>()} for {cls}.{spec.Name} (node {nodeId})");
                }
            }
        }

        return gaps;
    }

    internal async Task<ComfyObjectInfo> MergedObjectInfoAsync(CancellationToken ct)
    {
        var merged = new JsonObject();
        ComfyException? last = null;
        foreach (var member in _members.Where(Allowed))
        {
            ComfyObjectInfo info;
            try
            {
                info = await member.Client.GetObjectInfoAsync(false, ct).ConfigureAwait(false);
            }
            catch (ComfyException ex)
            {
                last = ex;
                continue;
            }

            foreach (var (cls, def) in info.Raw)
            {
                if (merged[cls] is not JsonObject existing)
                {
                    merged[cls] = def?.DeepClone();
                    continue;
                }

                // Union of enum values (models installed on any instance).
                foreach (var group in new[] { "required", "optional" })
                {
                    if (existing["input"]?[group] is not JsonObject mine || def?["input"]?[group] is not JsonObject theirs)
                    {
                        continue;
                    }

                    foreach (var (input, spec) in theirs)
                    {
                        if (mine[input]?[0] is JsonArray values && spec?[0] is JsonArray more)
                        {
                            foreach (var value in more)
                            {
                                if (!values.Any(x => JsonNode.DeepEquals(x, value)))
                                {
                                    values.Add(value?.DeepClone());
                                }
                            }
                        }
                    }
                }
            }
        }

        return merged.Count > 0 ? new ComfyObjectInfo(merged) : throw last ?? new ComfyException($"no instance of pool '{Name}' is available");
    }

    internal async Task<Member> PickAsync(JsonObject workflow, IReadOnlyCollection<Member> exclude, CancellationToken ct)
    {
        var candidates = _members.Where(m => !exclude.Contains(m) && Allowed(m)).ToList();
        var probes = await Task.WhenAll(candidates.Select(m => ProbeAsync(m, workflow, ct))).ConfigureAwait(false);
        var usable = probes.Where(p => p.Gaps is null && p.Depth >= 0).ToList();
        if (usable.Count == 0)
        {
            var reasons = probes.Select(p => $"{p.Member.Client.BaseAddress}: {p.Reason}")
                .Concat(_members.Where(m => !candidates.Contains(m)).Select(m => $"{m.Client.BaseAddress}: {(exclude.Contains(m) ? "already failed this job" : "circuit open after repeated failures")}"));
            var capable = probes.Any(p => p.Gaps is null);
            throw new ComfyException(capable || probes.Length == 0
                ? $"no instance of pool '{Name}' is available: {string.Join("; ", reasons)}; start or fix an instance, or wait for the circuit break to pass"
                : $"no instance of pool '{Name}' can run this workflow: {string.Join("; ", reasons)}; install the missing nodes or models on an instance", capable || probes.Length == 0 ? System.Net.HttpStatusCode.ServiceUnavailable : System.Net.HttpStatusCode.BadRequest);
        }

        var turn = Interlocked.Increment(ref _picks);

        // Shortest queue first; among equal queues the most free VRAM (instances that do not report it come last); then in turn.
        var best = usable
            .OrderBy(p => p.Depth)
            .ThenByDescending(p => p.VramFree ?? -1)
            .ThenBy(p => (p.Member.Index - turn + _members.Count * 1000L) % _members.Count)
            .First();
        lock (_members)
        {
            best.Member.InFlight++;
        }

        _logger.LogInformation("Pool {Pool}: chose {Instance} (queue depth {Depth}, free VRAM {Vram})", Name, best.Member.Client.BaseAddress, best.Depth, best.VramFree is long v ? RunPod.RunPodClient.Megabytes(v) : "not reported");
        return best.Member;
    }

    internal void Release(Member member, bool? success)
    {
        lock (_members)
        {
            member.InFlight = Math.Max(0, member.InFlight - 1);
            if (success == true)
            {
                member.Completed++;
            }
        }

        if (success == true)
        {
            ReportSuccess(member);
        }
        else if (success == false)
        {
            ReportFailure(member, "the job failed on this instance");
        }
    }

    internal void LogCancelFailure(Member member, string promptId, string reason)
        => _logger.LogWarning("Pool {Pool}: could not cancel prompt {PromptId} on {Instance}: {Reason}", Name, promptId, member.Client.BaseAddress, reason);

    internal void ReportSuccess(Member member)
    {
        lock (_members)
        {
            member.Failures = 0;
            member.OpenUntil = null;
            member.Probing = false;
        }
    }

    internal void ReportFailure(Member member, string reason)
    {
        lock (_members)
        {
            member.Failures++;
            member.Probing = false;
            if (member.Failures >= _options.FailureThreshold || member.OpenUntil is not null)
            {
                member.OpenUntil = _time.GetUtcNow() + _options.BreakDuration;
                _logger.LogWarning("Pool {Pool}: circuit of {Instance} open for {Break} after {Failures} failures ({Reason})", Name, member.Client.BaseAddress, _options.BreakDuration, member.Failures, reason);
            }
        }
    }

    private ComfyPoolMemberState StateOf(Member m)
        => m.OpenUntil is null ? ComfyPoolMemberState.Closed : m.OpenUntil > _time.GetUtcNow() ? ComfyPoolMemberState.Open : ComfyPoolMemberState.HalfOpen;

    private bool Allowed(Member m)
    {
        lock (_members)
        {
            var state = StateOf(m);
            if (state == ComfyPoolMemberState.Closed)
            {
                return true;
            }

            if (state == ComfyPoolMemberState.HalfOpen && !m.Probing)
            {
                m.Probing = true;
                return true;
            }

            return false;
        }
    }

    private async Task<Probe> ProbeAsync(Member member, JsonObject workflow, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.ProbeTimeout);
        try
        {
            var depth = 0;
            long? vram = null;
            if (member.Client is ComfyClient comfy)
            {
                var stats = FreeVramAsync(comfy, timeout.Token);
                var queue = comfy.GetQueueAsync(timeout.Token);
                await Task.WhenAll(stats, queue).ConfigureAwait(false);
                var snapshot = await queue.ConfigureAwait(false);
                depth = snapshot.Running.Count + snapshot.Pending.Count;
                vram = await stats.ConfigureAwait(false);
            }

            IReadOnlyList<string> gaps = [];
            if (member.Client is RunPod.RunPodComfyClient runPod)
            {
                // A RunPod endpoint has no node catalog to check; its queue is what /health reports.
                var health = await runPod.RunPod.GetHealthAsync(timeout.Token).ConfigureAwait(false);
                depth = (int)Math.Min(int.MaxValue, health.InQueue + health.InProgress);
            }
            else
            {
                gaps = MissingCapabilities(workflow, await member.Client.GetObjectInfoAsync(false, timeout.Token).ConfigureAwait(false));
            }

            lock (_members)
            {
                if (member.Probing)
                {
                    // The break passed and the instance answers again: close its circuit.
                    member.Failures = 0;
                    member.OpenUntil = null;
                    member.Probing = false;
                }

                depth = Math.Max(depth, member.InFlight);
                member.VramFree = vram;
            }

            return gaps.Count > 0 ? new Probe(member, -1, gaps, "lacks " + string.Join(", ", gaps), vram) : new Probe(member, depth, null, "ok", vram);
        }
        catch (Exception ex) when (ex is ComfyException or HttpRequestException or IOException || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            ReportFailure(member, ex.Message);
            return new Probe(member, -1, null, "unreachable (" + ex.Message + ")", null);
        }
    }

    // The most free VRAM of the instance's devices from /system_stats; null when the route is missing or unusable (older servers, proxies), which only costs the preference.
    private static async Task<long?> FreeVramAsync(ComfyClient client, CancellationToken ct)
    {
        try
        {
            var stats = await client.GetSystemStatsAsync(ct).ConfigureAwait(false);
            long? best = null;
            foreach (var device in stats["devices"] as JsonArray ?? [])
            {
                if (device?["vram_free"] is JsonValue v && v.TryGetValue<double>(out var free) && free >= 0)
                {
                    best = Math.Max(best ?? 0, (long)free);
                }
            }

            return best;
        }
        catch (Exception ex) when (ex is ComfyException or HttpRequestException or IOException || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return null;
        }
    }

    internal sealed class Member(IComfyClient client, int index)
    {
        public IComfyClient Client { get; } = client;

        public int Index { get; } = index;

        public int Failures { get; set; }

        public DateTimeOffset? OpenUntil { get; set; }

        public bool Probing { get; set; }

        public int InFlight { get; set; }

        public int Completed { get; set; }

        public long? VramFree { get; set; }

        // Serializes stage-and-submit on clients that stage uploads until the submit (RunPod), so leases never mix images.
        public SemaphoreSlim SubmitGate { get; } = new(1, 1);
    }

    private sealed record Probe(Member Member, int Depth, IReadOnlyList<string>? Gaps, string Reason, long? VramFree);
}
