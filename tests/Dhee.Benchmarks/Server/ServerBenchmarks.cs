using System.Buffers.Text;
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
/// SQLite event appends (target at least 10,000 per second; baseline: one transaction per event) and SSE fan-out (100 subscribers on one run each receive every event; target: under 1 ms of added median
/// latency per event; baseline: one subscriber).
/// </summary>
internal static class ServerBenchmarks
{
    private const string Key = "bench-key-0123456789";
    private static readonly byte[] Stamp = "\"sentAt\":"u8.ToArray();

    public static async Task RunAsync(BenchmarkReport report)
    {
        report.Add(await AppendRateAsync(report.IsShort ? 10_000 : 50_000).ConfigureAwait(false));
        report.Add(await FanOutAsync(report.IsShort ? 200 : 1_000).ConfigureAwait(false));
    }

    private static async Task<BenchmarkRow> AppendRateAsync(int total)
    {
        var folder = Path.Combine(Path.GetTempPath(), "dhee-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var sqlite = new SqliteRunStore(Path.Combine(folder, "runs.db"));
            var batched = await MeasureAppendAsync(sqlite, "batched", total, batch: 512).ConfigureAwait(false);
            var single = await MeasureAppendAsync(sqlite, "single", 2_000, batch: 1).ConfigureAwait(false);
            var memory = await MeasureAppendAsync(new InMemoryRunStore(), "memory", total, batch: 512).ConfigureAwait(false);
            var stored = await sqlite.ReadEventsAsync("batched", 0, total + 1).ConfigureAwait(false);
            return new BenchmarkRow("#8", $"SQLite store: append {total:N0} events in batches of 512", "≥ 10,000 events/s",
                string.Create(CultureInfo.InvariantCulture, $"{batched:N0} events/s (in-memory store: {memory:N0}/s)"),
                string.Create(CultureInfo.InvariantCulture, $"one SQLite transaction per event: {single:N0} events/s"), batched / single, batched >= 10_000, stored.Count == total);
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

    private static async Task<BenchmarkRow> FanOutAsync(int events)
    {
        var one = await MeasureFanOutAsync(subscribers: 1, events).ConfigureAwait(false);
        var hundred = await MeasureFanOutAsync(subscribers: 100, events).ConfigureAwait(false);
        var added = hundred.MedianMs - one.MedianMs;
        return new BenchmarkRow("#8", $"SSE fan-out: 100 subscribers × {events:N0} events, added median latency", "< 1 ms added",
            string.Create(CultureInfo.InvariantCulture, $"+{added:F3} ms (median {hundred.MedianMs:F3} ms, p95 {hundred.P95Ms:F3} ms)"),
            string.Create(CultureInfo.InvariantCulture, $"1 subscriber: median {one.MedianMs:F3} ms"), hundred.MedianMs / Math.Max(one.MedianMs, 0.001),
            added < 1, hundred.Complete && one.Complete);
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
            var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            connected.Signal();

            // Keep the client cheap (it shares the two cores with the server): scan raw bytes for the executor's
            // Stopwatch timestamp, no strings, no JSON parse.
            var buffer = new byte[1 << 16];
            var filled = 0;
            while (true)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(filled)).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                var now = Stopwatch.GetTimestamp();
                filled += read;
                var span = buffer.AsSpan(0, filled);
                int end;
                while ((end = span.IndexOf("\n\n"u8)) >= 0)
                {
                    var frame = span[..end];
                    span = span[(end + 2)..];
                    if (frame.StartsWith("event: end"u8))
                    {
                        return;
                    }

                    var at = frame.IndexOf(Stamp);
                    if (at >= 0 && Utf8Parser.TryParse(frame[(at + Stamp.Length)..], out long sent, out _))
                    {
                        latencies[i].Add(Stopwatch.GetElapsedTime(sent, now).TotalMilliseconds);
                        counts[i]++;
                    }
                }

                span.CopyTo(buffer);
                filled = span.Length;
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
                sink.Emit(RunEventKinds.NodeProgress, "n", null, new JsonObject { ["i"] = i, ["sentAt"] = Stopwatch.GetTimestamp() });
                await Task.Delay(1, cancellationToken).ConfigureAwait(false);
            }

            return new RunResult { DagRunId = request.DagRunId, Status = RunStatus.Success };
        }
    }
}
