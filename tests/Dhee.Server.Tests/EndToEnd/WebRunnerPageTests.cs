using System.Globalization;
using Dhee.Samples.WebRunner;
using Dhee.Testing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace Dhee.Tests.EndToEnd;

/// <summary>
/// Drives the sample page in Debian's Chromium (never a downloaded browser): start a run, watch the nodes turn green,
/// reload mid-run and see the stream resume after the last event, and keep a screenshot.
/// </summary>
public sealed class WebRunnerPageTests : IDisposable
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private const string ApiKey = "e2e-key-0123456789";
    private readonly TestProjectDirectory data = new("dhee-webrunner-e2e");

    public void Dispose() => data.Dispose();

    [Fact]
    public async Task SamplePage_StartRunReloadMidRun_StreamResumesAndEveryNodeTurnsGreen()
    {
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing; install Debian's chromium (eng/test.sh does: apt-get install -y chromium).");
        var settings = new WebRunnerSettings { ApiKey = ApiKey, StepDelay = TimeSpan.FromMilliseconds(1200), DataDir = data.Path, Urls = "http://127.0.0.1:0" };
        await using var app = WebRunnerApp.Create([], settings, builder => builder.Logging.ClearProviders());
        await app.StartAsync();
        var baseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 800 } });
        page.SetDefaultTimeout(60_000);
        await page.GotoAsync(baseUrl);
        await page.FillAsync("#api-key", ApiKey);
        await page.ClickAsync("#save-key");

        await page.ClickAsync("#start-sample");
        await page.WaitForSelectorAsync(".node[data-node='idea'][data-status='completed']");
        Assert.NotEqual("completed", await page.GetAttributeAsync(".node[data-node='storyboard']", "data-status"));
        Assert.StartsWith("Streaming from the first event", await page.TextContentAsync("#stream-status"), StringComparison.Ordinal);

        await page.ReloadAsync();
        await page.WaitForSelectorAsync("#stream-status[data-resumed-after]");
        var resumedAfter = long.Parse((await page.GetAttributeAsync("#stream-status", "data-resumed-after"))!, CultureInfo.InvariantCulture);
        Assert.True(resumedAfter > 0, "After the reload the page must resume after the last event it had, not from the start.");
        Assert.Equal("completed", await page.GetAttributeAsync(".node[data-node='idea']", "data-status"));

        await page.WaitForSelectorAsync("#run-status[data-status='success']");
        foreach (var node in new[] { "idea", "shots", "frames", "captions", "storyboard" })
        {
            Assert.Equal("completed", await page.GetAttributeAsync($".node[data-node='{node}']", "data-status"));
        }

        Assert.Equal("3/3 items", await page.TextContentAsync(".node[data-node='frames'] .items"));
        await page.WaitForFunctionAsync("document.querySelectorAll(\".node[data-node='frames'] .previews img[src^='blob:']\").length === 3");
        Assert.Contains("Stream ended (success)", await page.TextContentAsync("#stream-status"), StringComparison.Ordinal);
        Assert.Contains("Storyboard demo", await page.TextContentAsync("#runs tbody"), StringComparison.Ordinal);

        var screenshot = Path.Combine(AppContext.BaseDirectory, "artifacts", "webrunner.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        Assert.True(new FileInfo(screenshot).Length > 10_000);
        await app.StopAsync();
    }
}
