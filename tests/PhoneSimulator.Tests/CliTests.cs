using System.Net;
using AgentOS.Voice.Simulator.Tests.Support;
using AgentOS.Voice.TestSupport;

namespace AgentOS.Voice.Simulator.Tests;

public sealed class CliTests
{
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Serve_accepts_rest_calls_and_prints_their_progress()
    {
        var port = FreePort.Next();
        using var cli = new CliProcess("serve", "--port", port.ToString(), "--account-sid", Harness.AccountSid,
            "--auth-token", Harness.AuthToken, "--time-scale", "0.01");
        await cli.WaitForOutputAsync($"http://127.0.0.1:{port}", Startup);
        using var rest = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        rest.DefaultRequestHeaders.Authorization = Harness.Basic(Harness.AccountSid, Harness.AuthToken);

        using var response = await rest.PostAsync($"/2010-04-01/Accounts/{Harness.AccountSid}/Calls.json",
            Harness.Form(("To", Harness.PersonNumber), ("From", Harness.AgentNumber), ("Twiml", "<Response><Say>Hi from the CLI</Say></Response>")));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        await cli.WaitForOutputAsync("status completed", Harness.Timeout);
        Assert.Contains("<Say> \"Hi from the CLI\"", cli.Output);
    }

    [Fact]
    public async Task Call_places_an_inbound_call_with_a_scripted_caller_and_prints_the_conversation()
    {
        await using var app = await FakeApp.StartAsync(Harness.AuthToken);
        app.Serve("/incoming", $"""<Response><Connect><ConversationRelay url="{app.WsBaseUrl}/relay/agent"/></Connect></Response>""");
        using var cli = new CliProcess("call", "--webhook", app.Url("/incoming"), "--auth-token", Harness.AuthToken,
            "--account-sid", Harness.AccountSid, "--say", "hello", "--say", "transfer me", "--time-scale", "0.01");

        var exitCode = await cli.WaitForExitAsync(Startup);

        Assert.True(exitCode == 0, cli.Output);
        Assert.Contains("agent:  You said hello", cli.Output);
        Assert.Contains("ended handoff " + RelayAgent.HandoffData, cli.Output);
        Assert.True(Assert.Single(app.RequestsTo("/incoming")).SignatureValid);
    }

    [Fact]
    public async Task Talk_on_a_socket_streams_the_agents_tokens_and_sends_typed_commands()
    {
        await using var app = await FakeApp.StartAsync(Harness.AuthToken);
        using var cli = new CliProcess("talk", "--ws", $"{app.WsBaseUrl}/relay/agent", "--auth-token", Harness.AuthToken);
        await cli.WaitForOutputAsync("Type what the caller says", Startup);

        await cli.TypeAsync("hello");
        await cli.WaitForOutputAsync("You said hello", Harness.Timeout);
        await cli.TypeAsync("/dtmf 7");
        await cli.TypeAsync("/hangup");

        Assert.Equal(0, await cli.WaitForExitAsync(Harness.Timeout));
        Assert.Equal("7", Assert.Single(app.Relay.OfType("dtmf")).GetProperty("digit").GetString());
        Assert.Equal("inbound", app.Relay.Setup!.Value.GetProperty("direction").GetString());
    }

    [Fact]
    public async Task Piped_talk_waits_for_each_answer_and_hangs_up_only_after_the_last()
    {
        await using var app = await FakeApp.StartAsync(Harness.AuthToken);
        using var cli = new CliProcess("talk", "--ws", $"{app.WsBaseUrl}/relay/agent", "--auth-token", Harness.AuthToken);

        // The whole input at once, then its end, as `printf 'hello\n/dtmf 4\ngoodbye\n' | phone-sim talk` gives it.
        await cli.TypeAsync("hello");
        await cli.TypeAsync("/dtmf 4");
        await cli.TypeAsync("goodbye");
        cli.CloseInput();

        Assert.Equal(0, await cli.WaitForExitAsync(Harness.Timeout));
        var output = cli.Output;
        var answers = new[] { "You said hello", "You pressed 4", "You said goodbye" }.Select(a => output.IndexOf(a, StringComparison.Ordinal)).ToList();
        Assert.True(answers.All(i => i >= 0), output);
        Assert.Equal(answers.Order(), answers);
        Assert.Equal(["hello", "goodbye"], app.Relay.OfType("prompt").Select(p => p.GetProperty("voicePrompt").GetString()));
    }

    [Fact]
    public async Task Talk_requires_exactly_one_target()
    {
        using var cli = new CliProcess("talk", "--auth-token", "x");
        Assert.NotEqual(0, await cli.WaitForExitAsync(Startup));
        Assert.Contains("Give exactly one of --webhook or --ws.", cli.Output);
    }
}
