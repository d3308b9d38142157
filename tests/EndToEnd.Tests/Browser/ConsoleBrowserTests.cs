using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentOS.Voice.EndToEnd.Tests.LocalRun;
using AgentOS.Voice.TestSupport;
using Microsoft.Playwright;

namespace AgentOS.Voice.EndToEnd.Tests.Browser;

/// <summary>
/// The console in Debian's Chromium (Playwright, no browser download) against a whole local run: the dev runner's
/// Azurite, Web PubSub stand-in, Functions app, RelayHost and phone simulator as real processes. Screenshots of each screen go to
/// TestResults/console-screens (not committed). Voice messages sent through the API meanwhile are followed in the live
/// view.
/// </summary>
public sealed class ConsoleBrowserTests : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private const string ApiKey = "local-dev-management-key";
    private const string AgentId = "pw-desk";

    private static readonly string Screens = Path.Combine(RepoPaths.Root, "TestResults", "console-screens");

    private DevRunnerProcess _run = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: apt-get install chromium (./dev test installs it)");
        _run = DevRunnerProcess.Start("--quiet");
        await _run.WaitForOutputAsync("AgentOS Voice is running locally", TimeSpan.FromMinutes(3));
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true });
        Directory.CreateDirectory(Screens);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _run.DisposeAsync();
    }

    [Fact]
    public async Task An_operator_creates_an_agent_calls_it_from_the_softphone_and_finds_the_call_in_the_history()
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        page.SetDefaultTimeout(30_000);
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);

        // Sign in once; the agents list shows the demo agent the runner seeded.
        await page.GotoAsync($"{_run.FunctionsUrl}/console/");
        await page.FillAsync("#key", ApiKey);
        await page.ClickAsync("button[type=submit]");
        await Expect(page.Locator("[data-agent-id=demo]")).ToBeVisibleAsync();
        await ShotAsync(page, "1-agents");

        // Create an agent: a bad number is refused beside its field, then fixed.
        await page.ClickAsync("text=New agent");
        await page.FillAsync("#f-id", AgentId);
        await page.FillAsync("#f-name", "Playwright desk");
        await page.FillAsync("#f-phoneNumber", "555-0100");
        await page.FillAsync("#f-transferNumber", "+15550000999");
        await page.FillAsync("#f-script", """
            [
              {"whenCallerSays": "story", "reply": "Once upon a time there was a small clinic on a hill, and every morning the doctor walked up the long road with a bag of apples for the patients who came early, and the nurse opened the shutters and put the kettle on, and the patients sat on the bench by the door and talked about the weather, the harvest, the price of bread and the new bridge over the river that had taken three summers to build."},
              {"whenCallerSays": null, "reply": "Hello from the Playwright desk. How can I help?"}
            ]
            """);
        await page.ClickAsync("text=Create agent");
        await Expect(page.Locator("#f-phoneNumber-error")).Not.ToBeEmptyAsync();
        await Expect(page.Locator("#f-phoneNumber")).ToHaveAttributeAsync("aria-invalid", "true");
        await ShotAsync(page, "2-agent-errors");
        await page.FillAsync("#f-phoneNumber", "+15550000777");
        await page.ClickAsync("text=Create agent");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Edit Playwright desk");

        // Live calls in a second window (its own sign-in: the key is per tab), listening to the agent's events through
        // negotiate and the Web PubSub stand-in.
        var live = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        live.SetDefaultTimeout(30_000);
        live.PageError += (_, e) => errors.Add(e);
        await live.GotoAsync($"{_run.FunctionsUrl}/console/#/live/{AgentId}");
        await live.FillAsync("#key", ApiKey);
        await live.ClickAsync("button[type=submit]");
        await Expect(live.Locator("#live-status")).ToContainTextAsync("Receiving events");

        // Call it from the softphone: the answer streams, an answer is interrupted, 0 hands off, the call ends.
        await page.GotoAsync($"{_run.FunctionsUrl}/console/#/softphone/{AgentId}");
        await page.ClickAsync("#call");
        await Expect(page.Locator("#phone-state")).ToHaveTextAsync("connected");
        await page.FillAsync("#say", "hello there");
        await page.PressAsync("#say", "Enter");
        await Expect(page.Locator("#phone-transcript .turn.agent").Last).ToHaveTextAsync(new Regex("Hello from the Playwright desk"));
        // A caller speaks after hearing the answer out; speaking over it would interrupt it too.
        await Expect(page.Locator("#phone-transcript .turn.agent.streaming")).ToHaveCountAsync(0);
        await page.FillAsync("#say", "tell me a story");
        await page.PressAsync("#say", "Enter");
        var story = page.Locator("#phone-transcript .turn.agent.streaming");
        await Expect(story).ToHaveTextAsync(new Regex("Once upon"));
        // The same answer streams in the live view while the caller still hears it.
        var liveCall = live.Locator("article.live-call").First;
        await Expect(liveCall.Locator(".turn.caller").First).ToHaveTextAsync(new Regex("hello there"));
        await Expect(liveCall.Locator(".turn.agent", new() { HasText = "Hello from the Playwright desk" })).ToHaveCountAsync(1);
        await Expect(liveCall.Locator(".turn.agent.streaming")).ToHaveTextAsync(new Regex("Once upon"));
        await Expect(liveCall.Locator(".title-row .badge")).ToHaveTextAsync("in progress");
        await ShotAsync(live, "3-live-streaming");
        await page.ClickAsync("#interrupt");
        await Expect(page.Locator("#phone-transcript .turn.agent.interrupted")).ToHaveCountAsync(1);
        await ShotAsync(page, "4-softphone");
        await page.ClickAsync("[data-key='0']");
        await Expect(page.Locator("#phone-transcript")).ToContainTextAsync("Handed off to a person");
        await page.ClickAsync("#hangup");
        await Expect(page.Locator("#phone-state")).ToHaveTextAsync(new Regex("^ended"), new() { Timeout = 60_000 });
        await ShotAsync(page, "5-softphone-ended");

        // The live view marked the interruption, the key, the hand-off and the end.
        await Expect(liveCall.Locator(".turn.agent.interrupted")).ToHaveCountAsync(1);
        await Expect(liveCall.Locator(".turn.key")).ToContainTextAsync("pressed 0");
        await Expect(liveCall.Locator(".turn.handoff")).ToHaveCountAsync(1);
        await Expect(liveCall.Locator(".title-row .badge")).ToHaveTextAsync("ended: handed-off");

        // Voice messages sent through the API show up in the same view, newest first, each row following its states
        // (message.* events on the same connection) until it is delivered by the phone simulator.
        using var http = new HttpClient { BaseAddress = new Uri(_run.FunctionsUrl) };
        http.DefaultRequestHeaders.Add("x-api-key", ApiKey);
        var first = await SendMessageAsync(http, "+15550000456", "Your table is ready.");
        var firstRow = live.Locator($"#live-messages li[data-message-id='{first}']");
        await Expect(firstRow).ToBeVisibleAsync();
        var second = await SendMessageAsync(http, "+15550000457", "Your order has shipped.");
        var rows = live.Locator("#live-messages li.live-message");
        await Expect(rows.Nth(0)).ToHaveAttributeAsync("data-message-id", second);
        await Expect(rows.Nth(1)).ToHaveAttributeAsync("data-message-id", first);
        foreach (var (id, to) in new[] { (first, "+15550000456"), (second, "+15550000457") })
        {
            var message = live.Locator($"#live-messages li[data-message-id='{id}']");
            await Expect(message).ToHaveAttributeAsync("data-state", "completed", new() { Timeout = 90_000 });
            await Expect(message.Locator(".badge")).ToHaveTextAsync("completed");
            await Expect(message.Locator("a")).ToHaveTextAsync($"To {to}");
            await Expect(message.Locator(".steps")).ToHaveTextAsync(new Regex("^queued.*rendered.*calling.*answered.*completed"));
        }

        await ShotAsync(live, "6-live-ended");
        await live.CloseAsync();

        // The call is in the history, newest first, with its transcript.
        await page.GotoAsync($"{_run.FunctionsUrl}/console/#/history/{AgentId}");
        var row = page.Locator("section[aria-label=Calls] li.row").First;
        await Expect(row).ToBeVisibleAsync();
        await ShotAsync(page, "7-history");
        await row.Locator("a").ClickAsync();
        var transcript = page.Locator("ol.transcript");
        await Expect(transcript.Locator(".turn.caller").First).ToHaveTextAsync(new Regex("hello there"));
        await Expect(transcript.Locator(".turn.agent.interrupted")).ToHaveCountAsync(1);
        await Expect(transcript).ToContainTextAsync("Hello from the Playwright desk");
        await ShotAsync(page, "8-call");

        // A phone-sized window renders without script errors.
        await page.SetViewportSizeAsync(390, 844);
        await page.GotoAsync($"{_run.FunctionsUrl}/console/#/agents");
        await Expect(page.Locator($"[data-agent-id={AgentId}]")).ToBeVisibleAsync();
        await ShotAsync(page, "9-agents-phone");
        Assert.Empty(errors);
    }

    /// <summary>Sends a voice message from the test's agent and returns its id.</summary>
    private static async Task<string> SendMessageAsync(HttpClient http, string to, string text)
    {
        using var sent = await http.PostAsJsonAsync($"/api/agents/{AgentId}/messages", new { to, text });
        Assert.True(sent.StatusCode == HttpStatusCode.Accepted, await sent.Content.ReadAsStringAsync());
        return (await sent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    private static Task ShotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screens, name + ".png"), FullPage = true });
}
