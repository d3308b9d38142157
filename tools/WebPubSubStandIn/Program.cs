using System.CommandLine;

namespace AgentOS.Voice.WebPubSubStandIn;

// Not top-level statements: those get a public global Program, which would clash with the apps' own in test projects.
internal static class Program
{
    private static int Main(string[] args)
    {
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1", DefaultValueFactory = _ => 7080 };
        var accessKey = new Option<string>("--access-key")
        {
            Description = "Access key that signs tokens (the connection string's AccessKey)",
            DefaultValueFactory = _ => WebPubSubStandInOptions.DefaultAccessKey,
        };
        var root = new RootCommand("webpubsub-standin: a local Azure Web PubSub stand-in (REST sends, json.webpubsub.azure.v1 clients)")
        {
            port, accessKey,
        };
        root.SetAction(async (parse, cancellationToken) =>
        {
            await using var standIn = new WebPubSubStandIn(new WebPubSubStandInOptions
            {
                Port = parse.GetValue(port),
                AccessKey = parse.GetValue(accessKey)!,
            });
            await standIn.StartAsync(cancellationToken);
            Console.WriteLine($"Web PubSub connection string: {standIn.ConnectionString}");
            Console.WriteLine("Ctrl+C to stop.");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: close client sockets and stop.
            }

            return 0;
        });
        return root.Parse(args).Invoke();
    }
}
