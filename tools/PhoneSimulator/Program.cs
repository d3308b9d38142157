using AgentOS.Voice.Simulator.Cli;

namespace AgentOS.Voice.Simulator;

// Not top-level statements: those get a public global Program, which would clash with the apps' own in test projects
// that reference the simulator for its request signer.
internal static class Program
{
    private static int Main(string[] args) => CliApp.Build().Parse(args).Invoke();
}
