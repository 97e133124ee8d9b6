using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dhee.Server.Execution;
using Dhee.Server.Runs;
using Dhee.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dhee.Benchmarks.Server;

/// <summary>
/// The run service's performance targets, each measured against a baseline taken in the same run:
/// SQLite event appends (target at least 10,000 per second; baseline: the in-memory store and one transaction per
/// event) and SSE fan-out (100 subscribers on one run each receive every event; target: under 1 ms of added median
/// latency per event; baseline: one subscriber).
/// </summary>
internal static class ServerBenchmarks
{
    private const string Key = "bench-key-0123456789";

    public static async Task<int> RunAsync()
    {
        Console.WriteLine("== Dhee.Server ==");
        var ok = await AppendRateAsync().ConfigureAwait(false);
        ok &= await FanOutAsync().ConfigureAwait(false);
        return ok ? 0 : 1;
    }

    private static async Task<bool> AppendRateAsync()
    {
        var folder = Path.Combine(Path.GetTempPath(), "dhee-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            const int total = 50_000;
            using var sqlite = new SqliteRunStore(Path.Combine(folder, "runs.db"));
            var batched = await MeasureAppendAsync(sqlite, "batched", total, batch: 512).ConfigureAwait(false);
            var single = await MeasureAppendAsync(sqlite, "single", 2_000, batch: 1).ConfigureAwait(false);
            var memory = await MeasureAppendAsync(new InMemoryRunStore(), "memory", total, batch: 512).ConfigureAwait(false);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"sqlite append: {batched:N0} events/s in batches of 512 (target >= 10,000: {(batched >= 10_000 ? "met" : "MISSED")}); {batched / single:N1}x one-transaction-per-event ({single:N0}/s); {batched / memory:P1} of the in-memory store ({memory:N0}/s)"));
            return batched >= 10_000;
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task<double> MeasureAppendAsync(IRunStore store, string id, int total, int batch)
    {
        await store.CreateAsync(new RunRecord { PreparationId = id, Owner = "bench", ProjectDir = "/tmp" }).ConfigureAwait(false);
        var payload = new JsonObject { ["fraction"] = 0.5, ["message"] = "step" };
        var watch = Stopwatch.StartNew();
        for (var start = 1; start <= total; start += batch)
        {
            var events = Enumerable.Range(start, Math.Min(batch, total - start + 1))
                .Select(seq => new RunEvent(seq, RunEventKinds.NodeProgress, "node", null, payload, DateTimeOffset.UtcNow)).ToArray();
            await store.AppendEventsAsync(id, events).ConfigureAwait(false);
        }

        return total / watch.Elapsed.TotalSeconds;
    }

    private static async Task<bool> FanOutAsync()
    {
        const int events = 1_000;
        var one = await MeasureFanOutAsync(subscribers: 1, events).ConfigureAwait(false);
        var hundred = await MeasureFanOutAsync(subscribers: 100, events).ConfigureAwait(false);
        var added = hundred.MedianMs - one.MedianMs;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"sse fan-out: 100 subscribers x {events} events, every subscriber got every event: {hundred.Complete}; median latency {hundred.MedianMs:F3} ms vs {one.MedianMs:F3} ms for 1 subscriber ({hundred.MedianMs / Math.Max(one.MedianMs, 0.001):F2}x); added {added:F3} ms (target < 1 ms: {(added < 1 ? "met" : "MISSED")}); p95 {hundred.P95Ms:F3} ms"));
        return hundred.Complete && added < 1;
    }

    private static async Task<(double MedianMs, double P95Ms, bool Complete)> MeasureFanOutAsync(int subscribers, int events)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddDheeServer(o =>
        {
            o.AddApiKey("bench", Key);
            o.RateLimitPermits = 100_000;
            o.ProjectsRoot = Path.Combine(Path.GetTempPath(), "dhee-bench-projects");
        });
        var executor = new PacedExecutor(events);
        builder.Services.AddSingleton<IRunExecutor>(executor);
        await using var app = builder.Build();
        app.MapDhee();
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 1_000 };
        using var client = new HttpClient(handler) { BaseAddress = new Uri(address + "/dhee/"), Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Add("X-Api-Key", Key);

        var definition = JsonNode.Parse("""{"definition":{"id":"bench","nodes":[{"id":"n","tool":"bench.tool"}]}}""");
        using var created = await client.PostAsJsonAsync("runs", definition).ConfigureAwait(false);
        var preparationId = (string)(await created.Content.ReadFromJsonAsync<JsonObject>().ConfigureAwait(false))!["preparationId"]!;

        var latencies = new List<double>[subscribers];
        var counts = new int[subscribers];
        var connected = new CountdownEvent(subscribers);
        var readers = Enumerable.Range(0, subscribers).Select(i => Task.Run(async () =>
        {
            latencies[i] = new List<double>(events + 8);
            using var response = await client.GetAsync($"runs/{preparationId}/events", HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync().ConfigureAwait(false));
            connected.Signal();
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                if (line.StartsWith("event: end", StringComparison.Ordinal))
                {
                    break;
                }

                if (!line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    continue;
                }

                // Keep the client cheap (it shares the machine with the server): find the timestamp without a JSON parse.
                var now = DateTimeOffset.UtcNow;
                if (line.Contains("\"kind\":\"node.progress\"", StringComparison.Ordinal))
                {
                    var at = line.IndexOf("\"ts\":\"", StringComparison.Ordinal) + 6;
                    var ts = DateTimeOffset.Parse(line.AsSpan(at, line.IndexOf('"', at) - at), CultureInfo.InvariantCulture);
                    latencies[i].Add((now - ts).TotalMilliseconds);
                    counts[i]++;
                }
            }
        })).ToArray();
        connected.Wait(TimeSpan.FromSeconds(60));
        using var started = await client.PostAsync($"runs/{preparationId}/start", null).ConfigureAwait(false);
        await Task.WhenAll(readers).WaitAsync(TimeSpan.FromMinutes(2)).ConfigureAwait(false);
        await app.StopAsync().ConfigureAwait(false);

        var all = latencies.SelectMany(l => l).Order().ToArray();
        return (all[all.Length / 2], all[(int)(all.Length * 0.95)], counts.All(c => c == events));
    }

    /// <summary>Emits one progress event per millisecond or so.</summary>
    private sealed class PacedExecutor(int events) : IRunExecutor
    {
        public async ValueTask<RunResult> ExecuteAsync(RunExecutionRequest request, IRunEventSink sink, CancellationToken cancellationToken)
        {
            for (var i = 0; i < events; i++)
            {
                sink.Emit(RunEventKinds.NodeProgress, "n", null, new JsonObject { ["i"] = i });
                await Task.Delay(1, cancellationToken).ConfigureAwait(false);
            }

            return new RunResult { DagRunId = request.DagRunId, Status = RunStatus.Success };
        }
    }
}
