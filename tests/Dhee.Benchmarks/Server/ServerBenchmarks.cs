using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
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
    private static readonly byte[] Index = "{\"i\":"u8.ToArray();

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
        // Warm-up, not measured: a fresh process otherwise spends the measured rounds JIT-compiling and tiering up the
        // server's and the clients' code on the same two cores.
        var warm = await MeasureFanOutAsync(subscribers: 100, events / 4).ConfigureAwait(false);
        var one = await MeasureFanOutAsync(subscribers: 1, events).ConfigureAwait(false);
        var hundred = await MeasureFanOutAsync(subscribers: 100, events).ConfigureAwait(false);
        var added = hundred.MedianMs - one.MedianMs;
        return new BenchmarkRow("#8", $"SSE fan-out: 100 subscribers × {events:N0} events, added median latency", "< 1 ms added",
            string.Create(CultureInfo.InvariantCulture, $"+{added:F3} ms (median {hundred.MedianMs:F3} ms, p95 {hundred.P95Ms:F3} ms)"),
            string.Create(CultureInfo.InvariantCulture, $"1 subscriber: median {one.MedianMs:F3} ms"), hundred.MedianMs / Math.Max(one.MedianMs, 0.001),
            added < 1, warm.Complete && hundred.Complete && one.Complete);
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
        var errors = new string?[subscribers];
        var connected = new CountdownEvent(subscribers);
        var port = new Uri(address).Port;
        var request = Encoding.ASCII.GetBytes($"GET /dhee/runs/{preparationId}/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Api-Key: {Key}\r\nAccept: text/event-stream\r\n\r\n");

        // Each subscriber is a dedicated thread doing blocking reads on a raw socket, the way a separate client process
        // would: no thread-pool work items competing with the server's, no HttpClient layers; the receipt time is taken
        // right after the bytes arrive, then the frames are checked (every event, in order) without strings or JSON.
        var readers = Enumerable.Range(0, subscribers).Select(i =>
        {
            latencies[i] = new List<double>(events + 8);
            var thread = new Thread(() => errors[i] = ReadSubscriber(port, request, events, latencies[i], ref counts[i], connected))
            {
                IsBackground = true,
                Name = $"sse-client-{i}",
            };
            thread.Start();
            return thread;
        }).ToArray();
        connected.Wait(TimeSpan.FromSeconds(60));
        using var started = await client.PostAsync($"runs/{preparationId}/start", null).ConfigureAwait(false);
        var deadline = Stopwatch.StartNew();
        foreach (var reader in readers)
        {
            reader.Join(TimeSpan.FromMinutes(2) - deadline.Elapsed is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero);
        }

        await app.StopAsync().ConfigureAwait(false);

        var all = latencies.SelectMany(l => l).Order().ToArray();
        var failure = errors.FirstOrDefault(e => e is not null);
        if (failure is not null)
        {
            Console.WriteLine($"  SSE client: {failure}");
        }

        return (all[all.Length / 2], all[(int)(all.Length * 0.95)], failure is null && counts.All(c => c == events));
    }

    /// <summary>
    /// One subscriber: sends the GET, then decodes the chunked SSE body. Every progress frame must carry the next id
    /// and the next <c>i</c>; its latency is receipt time minus the executor's <c>sentAt</c> timestamp. Returns an error
    /// message, or null once the <c>end</c> event arrived.
    /// </summary>
    private static string? ReadSubscriber(int port, byte[] request, int events, List<double> latencies, ref int count, CountdownEvent connected)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var signalled = false;
        try
        {
            socket.Connect(IPAddress.Loopback, port);
            socket.Send(request);
            var raw = new byte[1 << 16];
            var body = new byte[1 << 17];
            int rawStart = 0, rawEnd = 0, bodyLength = 0;
            var headersDone = false;
            var ended = false;
            long chunkLeft = 0; // bytes of the current chunk's data still to come; -1 while its trailing CRLF is due
            long lastId = 0;
            while (true)
            {
                if (rawStart == rawEnd)
                {
                    rawStart = rawEnd = 0;
                }
                else if (rawStart > 0)
                {
                    raw.AsSpan(rawStart, rawEnd - rawStart).CopyTo(raw);
                    rawEnd -= rawStart;
                    rawStart = 0;
                }

                var read = socket.Receive(raw, rawEnd, raw.Length - rawEnd, SocketFlags.None);
                var now = Stopwatch.GetTimestamp();
                if (read == 0)
                {
                    return "the stream closed before the end event";
                }

                rawEnd += read;
                if (!headersDone)
                {
                    var headerEnd = raw.AsSpan(0, rawEnd).IndexOf("\r\n\r\n"u8);
                    if (headerEnd < 0)
                    {
                        continue;
                    }

                    var headers = raw.AsSpan(0, headerEnd);
                    if (!headers.StartsWith("HTTP/1.1 200"u8) || headers.IndexOf("chunked"u8) < 0)
                    {
                        return "unexpected response: " + Encoding.ASCII.GetString(headers);
                    }

                    headersDone = true;
                    rawStart = headerEnd + 4;
                    connected.Signal();
                    signalled = true;
                }

                // De-chunk what arrived into the body buffer.
                while (rawStart < rawEnd)
                {
                    var pending = raw.AsSpan(rawStart, rawEnd - rawStart);
                    if (chunkLeft > 0)
                    {
                        var take = (int)Math.Min(chunkLeft, pending.Length);
                        pending[..take].CopyTo(body.AsSpan(bodyLength));
                        bodyLength += take;
                        rawStart += take;
                        chunkLeft -= take;
                        chunkLeft = chunkLeft == 0 ? -1 : chunkLeft;
                        continue;
                    }

                    var lineEnd = pending.IndexOf("\r\n"u8);
                    if (lineEnd < 0)
                    {
                        break; // a partial size line or trailing CRLF: wait for more
                    }

                    rawStart += lineEnd + 2;
                    if (chunkLeft == -1)
                    {
                        chunkLeft = 0; // that was the chunk's trailing CRLF
                        continue;
                    }

                    if (!Utf8Parser.TryParse(pending[..lineEnd], out long size, out _, 'x'))
                    {
                        return "bad chunk size line";
                    }

                    if (size == 0)
                    {
                        ended = true;
                        break;
                    }

                    chunkLeft = size;
                }

                // Check the complete frames.
                var span = body.AsSpan(0, bodyLength);
                int end;
                while ((end = span.IndexOf("\n\n"u8)) >= 0)
                {
                    var frame = span[..end];
                    span = span[(end + 2)..];
                    if (frame.StartsWith("event: end"u8))
                    {
                        return count == events ? null : $"end after {count} of {events} events";
                    }

                    if (!frame.StartsWith("id: "u8))
                    {
                        continue; // retry line, comments, heartbeats
                    }

                    if (!Utf8Parser.TryParse(frame[4..], out long id, out _) || (lastId != 0 && id != lastId + 1))
                    {
                        return $"event id out of order after {lastId}";
                    }

                    lastId = id;
                    var at = frame.IndexOf(Stamp);
                    if (at < 0)
                    {
                        continue; // run started/finished events carry no timestamp
                    }

                    var index = frame.IndexOf(Index);
                    if (index < 0 || !Utf8Parser.TryParse(frame[(index + Index.Length)..], out int i, out _) || i != count
                        || !Utf8Parser.TryParse(frame[(at + Stamp.Length)..], out long sent, out _))
                    {
                        return $"event {count} missing or malformed";
                    }

                    latencies.Add(Stopwatch.GetElapsedTime(sent, now).TotalMilliseconds);
                    count++;
                }

                if (ended)
                {
                    return "the response ended before the end event";
                }

                span.CopyTo(body);
                bodyLength = span.Length;
            }
        }
        catch (SocketException e)
        {
            return e.Message;
        }
        finally
        {
            if (!signalled)
            {
                connected.Signal();
            }
        }
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
