using System.CommandLine;
using AgentOS.Voice.DevRunner;

var talk = new Option<bool>("--talk") { Description = "After start-up, be the caller on a live call to the demo agent (type what you say)" };
var smoke = new Option<bool>("--smoke") { Description = "Start, run one scripted call and one voice message end to end, print the results, stop" };
var quiet = new Option<bool>("--quiet") { Description = "Hide the apps' own log lines (errors still show)" };
var portBase = new Option<int>("--port-base")
{
    Description = "First of eight consecutive ports: Functions, RelayHost, simulator, Azurite blob/queue/table, the demo agent's tools, the Web PubSub stand-in (default 7071, 7072, 5050, 10000-10002, 7073, 7074)",
};
var data = new Option<string?>("--data") { Description = "Folder for Azurite's data (default .dev/azurite)" };
var root = new RootCommand("Runs AgentOS Voice locally: Azurite, the Web PubSub stand-in, the Functions app, RelayHost and the phone simulator as Twilio.")
{
    talk, smoke, quiet, portBase, data,
};
root.SetAction(async (parse, cancellationToken) =>
{
    var repo = FindRepoRoot();
    var first = parse.GetValue(portBase);
    var ports = first > 0 ? new LocalPorts(first, first + 1, first + 2, first + 3, first + 4, first + 5, first + 6, first + 7) : new LocalPorts();
    await using var stack = new LocalStack(repo, ports, parse.GetValue(data) ?? Path.Combine(repo, ".dev", "azurite"));
    try
    {
        await stack.StartAsync(parse.GetValue(quiet) || parse.GetValue(talk), cancellationToken);
    }
    catch (Exception e) when (e is InvalidOperationException or TimeoutException)
    {
        Console.Error.WriteLine($"dev run: {e.Message}");
        return 1;
    }

    if (parse.GetValue(smoke))
    {
        return await SmokeRun.RunAsync(stack, cancellationToken);
    }

    if (parse.GetValue(talk))
    {
        return await stack.RunSimulatorAsync(["talk", "--webhook", stack.IncomingCallWebhook, "--to", LocalStack.AgentNumber], cancellationToken);
    }

    PrintHowTo(stack);
    try
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }
    catch (OperationCanceledException)
    {
        LocalStack.Step("Stopping");
    }

    return 0;
});
return await root.Parse(args).InvokeAsync();

static void PrintHowTo(LocalStack stack)
{
    Console.WriteLine($$"""

        AgentOS Voice is running locally (Ctrl+C stops everything).
          Functions app    {{stack.FunctionsUrl}}   (management API key: {{LocalStack.ApiKey}})
          RelayHost        {{stack.RelayUrl}}
          Phone simulator  {{stack.SimulatorUrl}}   (its call log: {{stack.SimulatorUrl}}/sim/calls)
          Live events      {{stack.EventsUrl}}   (Web PubSub stand-in; the console's Live calls view listens to it)

        Console (agents, live calls, history): {{stack.FunctionsUrl}}/console/   (key: {{LocalStack.ApiKey}})

        Send a voice message from the demo agent and watch it being played:
          curl -s -X POST {{stack.FunctionsUrl}}/api/agents/{{LocalStack.AgentId}}/messages -H 'x-api-key: {{LocalStack.ApiKey}}' \
               -H 'content-type: application/json' -d '{"to":"+15550000123","text":"Your appointment is tomorrow at ten."}'
          curl -s {{stack.FunctionsUrl}}/api/agents/{{LocalStack.AgentId}}/messages/<id> -H 'x-api-key: {{LocalStack.ApiKey}}'

        Settle records whose status callbacks never arrived now, instead of at the next 5-minute run:
          curl -s -X POST {{stack.FunctionsUrl}}/admin/functions/ReconcileRecords -H 'x-functions-key: {{LocalStack.MasterKey}}' -d '{"input":""}'

        Talk to the demo agent (another terminal):
          dotnet tools/PhoneSimulator/bin/Debug/net10.0/phone-sim.dll talk --webhook {{stack.IncomingCallWebhook}} --auth-token {{LocalStack.AuthToken}}
        or stop this and run: ./dev run --talk
        """);
}

static string FindRepoRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "AgentOS.Functions.sln")))
        {
            return dir.FullName;
        }
    }

    throw new InvalidOperationException("Run the dev runner from inside the repository.");
}
