namespace AgentOS.Voice.Functions.ManagementApi;

public static class ManagementApiExtensions
{
    /// <summary>
    /// The management API's keys (validated at start) and the check every management function makes first, and the
    /// content-type and size check its JSON bodies pass before they are parsed.
    /// </summary>
    public static IServiceCollection AddManagementApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ManagementApiOptions>()
            .Bind(configuration.GetSection(ManagementApiOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => o.ApiKeys.All(k => k is { Length: >= ManagementApiOptions.MinKeyLength }),
                $"Every ManagementApi:ApiKeys entry must be at least {ManagementApiOptions.MinKeyLength} characters.")
            .ValidateOnStart();
        services.AddSingleton<ManagementApiKey>();
        services.AddSingleton<JsonRequestBody>();
        return services;
    }
}
