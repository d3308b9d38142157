using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentOS.Voice.Reconciling;

public static class ReconcilerServiceCollectionExtensions
{
    /// <summary>
    /// The reconciler of stuck records, with "Reconciler" options validated at start. Needs what it settles through:
    /// AddVoiceMessages, AddCalls and AddTwilio (and AddVoiceEvents for its events).
    /// </summary>
    public static IServiceCollection AddReconciler(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ReconcilerOptions>()
            .Bind(configuration.GetSection(ReconcilerOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddTransient<RecordReconciler>();
        return services;
    }
}
