namespace AgentOS.Voice.Functions.Hosting;

/// <summary>Running as the Functions host's custom handler.</summary>
public static class CustomHandlerHosting
{
    /// <summary>Set by the Functions host to the loopback port it forwards requests and invocations to.</summary>
    public const string PortVariable = "FUNCTIONS_CUSTOMHANDLER_PORT";

    /// <summary>
    /// Listens where the host expects when it started us; otherwise keeps the configured URLs (ASPNETCORE_URLS,
    /// --urls, launch settings) for running on our own.
    /// </summary>
    public static WebApplicationBuilder UseFunctionsCustomHandlerPort(this WebApplicationBuilder builder)
    {
        var port = builder.Configuration[PortVariable];
        if (!string.IsNullOrEmpty(port))
        {
            if (!int.TryParse(port, out var number) || number is < 1 or > 65535)
            {
                throw new InvalidOperationException($"{PortVariable} must be a TCP port number, not '{port}'.");
            }

            builder.WebHost.UseUrls($"http://127.0.0.1:{number}");
        }

        return builder;
    }
}
