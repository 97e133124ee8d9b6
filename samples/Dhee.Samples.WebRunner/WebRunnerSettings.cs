using System.Globalization;
using Dhee.Server.Security;

namespace Dhee.Samples.WebRunner;

/// <summary>Settings of the sample: the API key the page uses, how slow the demo runners are, and where data goes.</summary>
internal sealed class WebRunnerSettings
{
    public string ApiKey { get; set; } = DheeApiKey.Generate();

    public TimeSpan StepDelay { get; set; } = TimeSpan.FromMilliseconds(600);

    public string DataDir { get; set; } = Path.Combine(Path.GetTempPath(), "dhee-webrunner");

    public string? Urls { get; set; }

    /// <summary>Reads DHEE_SAMPLE_API_KEY, DHEE_SAMPLE_DELAY_MS and DHEE_SAMPLE_DATA; unset values keep their defaults.</summary>
    public static WebRunnerSettings FromEnvironment()
    {
        var settings = new WebRunnerSettings();
        if (Environment.GetEnvironmentVariable("DHEE_SAMPLE_API_KEY") is { Length: > 0 } key)
        {
            settings.ApiKey = key;
        }

        if (int.TryParse(Environment.GetEnvironmentVariable("DHEE_SAMPLE_DELAY_MS"), NumberStyles.None, CultureInfo.InvariantCulture, out var delay))
        {
            settings.StepDelay = TimeSpan.FromMilliseconds(delay);
        }

        if (Environment.GetEnvironmentVariable("DHEE_SAMPLE_DATA") is { Length: > 0 } data)
        {
            settings.DataDir = data;
        }

        return settings;
    }
}
