using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Dhee.Bundles;
using Dhee.Comfy;
using Dhee.Endpoints;
using Dhee.Runners;
using Dhee.Testing.Comfy;

namespace Dhee.Benchmarks;

/// <summary>
/// ComfyUI performance targets, measured against in-run baselines on the loopback server:
/// completion latency (final WebSocket frame → runner result, small output; target median under 5 ms) and streaming a large
/// output (managed memory growth under 32 MB; throughput at least 70% of a raw HttpClient copy of the same file).
/// </summary>
internal static class ComfyBenchmarks
{
    public static async Task RunAsync(BenchmarkReport report, string[] args)
    {
        var sizeMb = report.IsShort ? 64L : 1024L;
        var iterations = report.IsShort ? 10 : 40;
        for (var i = 0; i < args.Length - 1; i++)
        {
            if (args[i] == "--comfy-size-mb")
            {
                sizeMb = long.Parse(args[i + 1], CultureInfo.InvariantCulture);
            }
            else if (args[i] == "--comfy-iterations")
            {
                iterations = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            }
        }

        report.Add(await CompletionLatencyAsync(iterations).ConfigureAwait(false));
        report.Add(await StreamingAsync(sizeMb * 1024 * 1024).ConfigureAwait(false));
    }

    private static async Task<BenchmarkRow> CompletionLatencyAsync(int iterations)
    {
        await using var server = await LoopbackComfyServer.StartAsync().ConfigureAwait(false);
        var options = new EndpointOptions();
        options.Endpoints["loop"] = new EndpointDefinition { Url = server.BaseUri.ToString() };
        var executor = new ComfyExecutor(new ComfyClientFactory(), new EndpointResolver(options, _ => null));
        var project = Directory.CreateTempSubdirectory("dhee-bench-comfy-");
        var latencies = new List<double>();
        try
        {
            for (var i = 0; i < iterations + 5; i++)
            {
                var context = new RunnerContext
                {
                    ProjectDir = project.FullName,
                    Node = new BundleNode { Id = "n", Outputs = new NodeOutputs { Format = OutputFormat.Image, Pattern = "o.png" }, Runner = new NodeRunner { Tool = "comfy.workflow" } },
                    OutputPath = $"out/{i}.png",
                };
                var workflow = JsonNode.Parse("""{"1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": @C}}, "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "lat"}}}""".Replace("@C", i.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal))!.AsObject();
                var result = await executor.ExecuteAsync(context, new ComfyExecutionRequest { Tool = "comfy.workflow", Workflow = workflow, Endpoint = "loop", ValidateBeforeSubmit = false }).ConfigureAwait(false);
                var end = Stopwatch.GetTimestamp();
                if (!result.IsSuccess)
                {
                    return new BenchmarkRow("#4", "comfy completion latency", "median < 5 ms", $"run failed: {result.Error?.Message}", "-", null, Passed: false, Correct: false);
                }

                if (i >= 5)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(server.LastCompletionFrameTimestamp, end).TotalMilliseconds);
                }
            }
        }
        finally
        {
            project.Delete(recursive: true);
        }

        // Baseline: one plain HTTP round trip to the same server (the runner needs at least one, to fetch its output).
        var roundTrips = new List<double>();
        using (var raw = new HttpClient())
        {
            for (var i = 0; i < iterations + 5; i++)
            {
                var start = Stopwatch.GetTimestamp();
                using var response = await raw.GetAsync(new Uri(server.BaseUri, "system_stats")).ConfigureAwait(false);
                _ = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
                if (i >= 5)
                {
                    roundTrips.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            }
        }

        latencies.Sort();
        roundTrips.Sort();
        var median = latencies[latencies.Count / 2];
        var p90 = latencies[(int)(latencies.Count * 0.9)];
        var roundTrip = roundTrips[roundTrips.Count / 2];
        return new BenchmarkRow("#4", $"comfy completion latency, final frame → runner result ({latencies.Count} runs)", "median < 5 ms",
            $"median {median:0.00} ms, p90 {p90:0.00} ms", $"one plain HTTP round trip: {roundTrip:0.00} ms", median / Math.Max(roundTrip, 0.001), median < 5, Correct: true);
    }

    private static async Task<BenchmarkRow> StreamingAsync(long size)
    {
        await using var server = await LoopbackComfyServer.StartAsync().ConfigureAwait(false);
        server.Faults.LargeOutputBytes = size;
        var folder = Directory.CreateTempSubdirectory("dhee-bench-stream-");
        try
        {
            var client = new ComfyClient(new HttpClient { Timeout = Timeout.InfiniteTimeSpan }, new ComfyClientOptions { BaseUrl = server.BaseUri });
            await using (client.ConfigureAwait(false))
            {
                var workflow = JsonNode.Parse("""{"1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 0}}, "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "big"}}}""")!.AsObject();
                var result = await client.RunAsync(workflow).ConfigureAwait(false);
                var file = result.Files[0];

                // Baseline: a raw HttpClient copy of the same file to disk; alternated with ours, best of two each.
                using var raw = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
                var url = new Uri(server.BaseUri, $"view?filename={file.Filename}&subfolder=&type=output");
                var rawBest = TimeSpan.MaxValue;
                var oursBest = TimeSpan.MaxValue;
                long bytes = 0;
                long peak = 0;
                long baseline = 0;
                for (var round = 0; round < 2; round++)
                {
                    var rawPath = Path.Combine(folder.FullName, "raw.bin");
                    var rawWatch = Stopwatch.StartNew();
                    using (var response = await raw.GetAsync(url, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false))
                    {
                        var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                        await using (body.ConfigureAwait(false))
                        {
                            var output = File.Create(rawPath);
                            await using (output.ConfigureAwait(false))
                            {
                                await body.CopyToAsync(output).ConfigureAwait(false);
                            }
                        }
                    }

                    rawWatch.Stop();
                    rawBest = rawWatch.Elapsed < rawBest ? rawWatch.Elapsed : rawBest;
                    File.Delete(rawPath);

                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                    GC.Collect();
                    baseline = GC.GetTotalMemory(false);
                    peak = baseline;
                    using var sampling = new CancellationTokenSource();
                    var sampler = Task.Run(async () =>
                    {
                        while (!sampling.IsCancellationRequested)
                        {
                            peak = Math.Max(peak, GC.GetTotalMemory(false));
                            await Task.Delay(5).ConfigureAwait(false);
                        }
                    });
                    var oursPath = Path.Combine(folder.FullName, "ours.bin");
                    var ours = Stopwatch.StartNew();
                    bytes = await client.DownloadAsync(file, oursPath).ConfigureAwait(false);
                    ours.Stop();
                    await sampling.CancelAsync().ConfigureAwait(false);
                    await sampler.ConfigureAwait(false);
                    oursBest = ours.Elapsed < oursBest ? ours.Elapsed : oursBest;
                    File.Delete(oursPath);
                }

                var growthMb = (peak - baseline) / 1024.0 / 1024.0;
                var ratio = rawBest.TotalSeconds / oursBest.TotalSeconds;
                var mb = size / 1024.0 / 1024.0;
                return new BenchmarkRow("#4", $"comfy: stream a {mb:0} MiB output to disk (best of 2)", "≥ 0.70× raw copy, < 32 MB managed growth",
                    $"{mb / oursBest.TotalSeconds:0} MiB/s, managed memory +{growthMb:0.0} MB", $"raw HttpClient copy: {mb / rawBest.TotalSeconds:0} MiB/s", ratio,
                    growthMb < 32 && ratio >= 0.7, bytes == size);
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
