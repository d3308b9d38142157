using System.CommandLine;

namespace AgentOS.Voice.Simulator.Cli;

internal static class CallCommand
{
    public static Command Create()
    {
        var from = CliApp.From();
        var to = new Option<string>("--to") { Description = "The agent's number (E.164)", DefaultValueFactory = _ => "+15550000002" };
        var webhook = new Option<string>("--webhook") { Description = "Our incoming-call webhook, e.g. https://…/agents/x/incoming-call", Required = true };
        var authToken = CliApp.AuthToken();
        var accountSid = CliApp.AccountSid();
        var say = new Option<string[]>("--say") { Description = "What the caller says, one turn per --say (repeatable)" };
        var timeScale = CliApp.TimeScale();
        var command = new Command("call", "Place an inbound call to our webhook and print it as it goes")
        {
            from, to, webhook, authToken, accountSid, say, timeScale,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new PhoneSimulatorOptions
            {
                AccountSid = parse.GetValue(accountSid)!,
                AuthToken = parse.GetValue(authToken)!,
                TimeScale = parse.GetValue(timeScale),
            };
            await using var simulator = new PhoneSimulator(options);
            ConsoleReporter.Attach(simulator);
            await simulator.StartAsync(cancellationToken);
            var call = await simulator.PlaceInboundCallAsync(
                parse.GetValue(from)!, parse.GetValue(to)!, parse.GetValue(webhook)!, NumbersFile.Script(parse.GetValue(say)));
            try
            {
                await simulator.WaitForCallAsync(c => c.Sid == call.Sid && c.IsFinished, Timeout.InfiniteTimeSpan, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: disposing the simulator hangs the call up.
            }

            return call.Status == "completed" ? 0 : 1;
        });
        return command;
    }
}
