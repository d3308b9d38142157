using AgentOS.Voice.Simulator;
using AgentOS.Voice.TestSupport;

namespace AgentOS.Voice.EndToEnd.Tests.Messages;

/// <summary>Azurite, the phone simulator (fast simulated time) and the Functions app, shared by a test class.</summary>
public sealed class MessagesFixture : IAsyncLifetime
{
    public AzuriteFixture Azurite { get; } = new();

    public PhoneSimulator Simulator { get; } = new(new PhoneSimulatorOptions { AuthToken = "e2e-twilio-auth-token", TimeScale = 0.02 });

    public MessagesApp App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Azurite.InitializeAsync();
        await Simulator.StartAsync();
        App = MessagesApp.Start(Azurite, Simulator, "e2e");
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Simulator.DisposeAsync();
        await Azurite.DisposeAsync();
    }
}
