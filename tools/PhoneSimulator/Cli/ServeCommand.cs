using System.CommandLine;

namespace AgentOS.Voice.Simulator.Cli;

internal static class ServeCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1", DefaultValueFactory = _ => 5050 };
        var accountSid = CliApp.AccountSid();
        var authToken = CliApp.AuthToken();
        var apiKeySid = new Option<string?>("--api-key-sid") { Description = "API key SID also accepted for REST auth" };
        var apiKeySecret = new Option<string?>("--api-key-secret") { Description = "Secret of that API key" };
        var numbers = new Option<FileInfo?>("--numbers") { Description = "JSON file of number behaviours" };
        var timeScale = CliApp.TimeScale();
        var softphoneWebhook = new Option<string?>("--softphone-webhook")
        {
            Description = "Serve the console's softphone socket (/sim/softphone), calling this incoming-call URL with {agentId} in it",
        };
        var softphoneOrigin = new Option<string?>("--softphone-origin") { Description = "The console's origin, the only one allowed to open the softphone" };
        var command = new Command("serve", "Run the simulated Twilio REST API and print each call as it happens")
        {
            port, accountSid, authToken, apiKeySid, apiKeySecret, numbers, timeScale, softphoneWebhook, softphoneOrigin,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new PhoneSimulatorOptions
            {
                Port = parse.GetValue(port),
                AccountSid = parse.GetValue(accountSid)!,
                AuthToken = parse.GetValue(authToken)!,
                ApiKeySid = parse.GetValue(apiKeySid),
                ApiKeySecret = parse.GetValue(apiKeySecret),
                TimeScale = parse.GetValue(timeScale),
                SoftphoneWebhook = parse.GetValue(softphoneWebhook),
                SoftphoneOrigin = parse.GetValue(softphoneOrigin),
            };
            if (parse.GetValue(numbers) is { } file)
            {
                foreach (var (number, behavior) in NumbersFile.Read(file.FullName))
                {
                    options.Numbers[number] = behavior;
                }
            }

            await using var simulator = new PhoneSimulator(options);
            ConsoleReporter.Attach(simulator);
            await simulator.StartAsync(cancellationToken);
            Console.WriteLine($"Twilio API base URL: {simulator.BaseUrl}   account {options.AccountSid}   call log: {simulator.BaseUrl}/sim/calls");
            Console.WriteLine("Ctrl+C to stop.");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: hang up live calls and stop.
            }

            return 0;
        });
        return command;
    }
}
