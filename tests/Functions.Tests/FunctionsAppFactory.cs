using AgentOS.Voice.FunctionsRunner;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace AgentOS.Voice.Functions.Tests;

/// <summary>
/// The real Functions app, served by the local Functions runner as the host would serve it, on the test server, wired
/// to a test's Azurite with its own name prefix and API key.
/// </summary>
public sealed class FunctionsAppFactory(
    string storageConnectionString,
    string namePrefix,
    IReadOnlyDictionary<string, string>? settings = null,
    Action<IServiceCollection>? services = null) : WebApplicationFactory<LocalFunctionsHost>
{
    public const string ApiKey = "test-management-key-0123456789";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Storage:ConnectionString", storageConnectionString);
        builder.UseSetting("Storage:NamePrefix", namePrefix);
        builder.UseSetting("ManagementApi:ApiKeys:0", ApiKey);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            builder.UseSetting(key, value);
        }

        if (services is not null)
        {
            builder.ConfigureTestServices(services);
        }
    }

    public HttpClient CreateManagementClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("x-api-key", ApiKey);
        return client;
    }
}
