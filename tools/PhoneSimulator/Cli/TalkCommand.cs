using System.CommandLine;
using AgentOS.Voice.Simulator.Relay;

namespace AgentOS.Voice.Simulator.Cli;

internal static class TalkCommand
{
    public static Command Create()
    {
        var webhook = new Option<string?>("--webhook") { Description = "Call our incoming-call webhook and talk on the session it connects" };
        var ws = new Option<string?>("--ws") { Description = "Connect straight to a ConversationRelay socket (wss://…)" };
        var from = CliApp.From();
        var to = new Option<string>("--to") { Description = "The agent's number (E.164)", DefaultValueFactory = _ => "+15550000002" };
        var authToken = CliApp.AuthToken();
        var accountSid = CliApp.AccountSid();
        var command = new Command("talk", "Be the caller: type what you say and watch the agent's tokens arrive")
        {
            webhook, ws, from, to, authToken, accountSid,
        };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(webhook) is null) == (result.GetValue(ws) is null))
            {
                result.AddError("Give exactly one of --webhook or --ws.");
            }
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            var token = parse.GetValue(authToken)!;
            var sid = parse.GetValue(accountSid)!;
            if (parse.GetValue(ws) is { } url)
            {
                await using var caller = await ConversationRelayCaller.ConnectAsync(url, token, null, cancellationToken);
                await caller.SendSetupAsync(new RelaySetup(
                    RelaySetup.NewSessionId(), sid, "CA" + Guid.NewGuid().ToString("N"), parse.GetValue(from)!, parse.GetValue(to)!,
                    "inbound", "RINGING", new Dictionary<string, string>()), cancellationToken);
                await InteractiveCaller.RunAsync(caller, cancellationToken);
                return 0;
            }

            await using var simulator = new PhoneSimulator(new PhoneSimulatorOptions { AccountSid = sid, AuthToken = token });
            ConsoleReporter.Attach(simulator);
            await simulator.StartAsync(cancellationToken);
            var call = await simulator.PlaceInboundCallAsync(
                parse.GetValue(from)!, parse.GetValue(to)!, parse.GetValue(webhook)!, new CallerScript().Custom(InteractiveCaller.RunAsync));
            await simulator.WaitForCallAsync(c => c.Sid == call.Sid && c.IsFinished, Timeout.InfiniteTimeSpan, cancellationToken);
            return call.Status == "completed" ? 0 : 1;
        });
        return command;
    }
}
