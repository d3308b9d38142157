using System.Net;
using AgentOS.Voice.FunctionsRunner;
using AgentOS.Voice.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;

namespace AgentOS.Voice.Bench.MessagePipeline;

/// <summary>The real Functions app on a Kestrel loopback port, configured by the benchmark.</summary>
public sealed class FunctionsApp : WebApplicationFactory<LocalFunctionsHost>
{
    private readonly IReadOnlyDictionary<string, string> _settings;

    public FunctionsApp(int port, IReadOnlyDictionary<string, string> settings)
    {
        _settings = settings;
        // Test projects get the app's content root from a generated manifest; a console names it the documented way.
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_FUNCTIONS-RUNNER", Path.Combine(RepoPaths.Root, "tools", "FunctionsRunner"));
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }
}
