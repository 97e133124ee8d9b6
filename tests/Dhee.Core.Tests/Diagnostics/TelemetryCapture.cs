using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Dhee.Tests.Diagnostics;

/// <summary>
/// Listens to the "Dhee" activity source and meter for one test. Listeners are process-wide, so everything is scoped to
/// the trace of a root activity the test starts: spans by trace id, measurements by the trace current where they are recorded.
/// </summary>
internal sealed class TelemetryCapture : IDisposable
{
    private readonly ActivityListener _activities;
    private readonly MeterListener _meters;
    private readonly Activity _root;
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ConcurrentQueue<Measurement> _measurements = new();

    public TelemetryCapture(string testName)
    {
        _activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Dhee",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_activities);

        _meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Dhee")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _meters.Start();

        // Not from the Dhee source: a plain root every Dhee span of this test descends from.
        _root = new Activity(testName).Start();
    }

    public ActivityTraceId TraceId => _root.TraceId;

    /// <summary>Gets the stopped Dhee spans of this test's trace.</summary>
    public IReadOnlyList<Activity> Spans => [.. _stopped.Where(a => a.TraceId == TraceId)];

    /// <summary>Gets the measurements recorded while this test's trace was current.</summary>
    public IReadOnlyList<Measurement> Measurements => [.. _measurements.Where(m => m.TraceId == TraceId)];

    public IReadOnlyList<Activity> SpansNamed(string name) => [.. Spans.Where(a => a.OperationName == name)];

    public IReadOnlyList<Measurement> Named(string instrument) => [.. Measurements.Where(m => m.Instrument == instrument)];

    public void Dispose()
    {
        _root.Stop();
        _meters.Dispose();
        _activities.Dispose();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (Activity.Current is { } current)
        {
            _measurements.Enqueue(new Measurement(instrument.Name, instrument.Unit, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value), current.TraceId));
        }
    }

    internal sealed record Measurement(string Instrument, string? Unit, double Value, IReadOnlyDictionary<string, object?> Tags, ActivityTraceId TraceId)
    {
        public object? Tag(string name) => Tags.GetValueOrDefault(name);
    }
}
