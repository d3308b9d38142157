using System.Text.Json.Serialization;

namespace AgentOS.Voice.Functions.ManagementApi;

public static class ManagementApiExtensions
{
    /// <summary>
    /// Management API basics: the key options (validated at start), ProblemDetails for errors, and JSON with camelCase
    /// names and enums as strings for every endpoint.
    /// </summary>
    public static IServiceCollection AddManagementApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ManagementApiOptions>()
            .Bind(configuration.GetSection(ManagementApiOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => o.ApiKeys.All(k => k is { Length: >= ManagementApiOptions.MinKeyLength }),
                $"Every ManagementApi:ApiKeys entry must be at least {ManagementApiOptions.MinKeyLength} characters.")
            .ValidateOnStart();
        services.AddProblemDetails();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        return services;
    }

    /// <summary>Requires a management API key on every endpoint of the group (or on one endpoint).</summary>
    public static TBuilder RequireManagementApiKey<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter<TBuilder, ManagementApiKeyFilter>();

    /// <summary>A route group under <c>/api/{path}</c> that requires the management API key: where management endpoints go.</summary>
    public static RouteGroupBuilder MapManagementGroup(this IEndpointRouteBuilder endpoints, string path) =>
        endpoints.MapGroup("/api/" + path.TrimStart('/')).RequireManagementApiKey();
}
