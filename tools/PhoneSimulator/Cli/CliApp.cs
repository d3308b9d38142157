using System.CommandLine;

namespace AgentOS.Voice.Simulator.Cli;

/// <summary>The phone-sim command line: serve (a local Twilio), call (an inbound call), talk (be the caller).</summary>
public static class CliApp
{
    public static RootCommand Build()
    {
        var root = new RootCommand("phone-sim: a local Twilio stand-in for AgentOS Voice");
        root.Add(ServeCommand.Create());
        root.Add(CallCommand.Create());
        root.Add(TalkCommand.Create());
        return root;
    }

    internal static Option<string> AuthToken() => new("--auth-token")
    {
        Description = "The auth token our app is configured with (signs every request)",
        Required = true,
    };

    internal static Option<string> AccountSid() => new("--account-sid")
    {
        Description = "Account SID the simulator answers to",
        DefaultValueFactory = _ => "AC" + new string('0', 32),
    };

    internal static Option<double> TimeScale() => new("--time-scale")
    {
        Description = "Real seconds per simulated second (1 = human speed)",
        DefaultValueFactory = _ => 1.0,
    };

    internal static Option<string> From() => new("--from")
    {
        Description = "Caller's number (E.164)",
        DefaultValueFactory = _ => "+15550000001",
    };
}
