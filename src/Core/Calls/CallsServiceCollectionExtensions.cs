using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentOS.Voice.Calls;

public static class CallsServiceCollectionExtensions
{
    /// <summary>
    /// Call records, transcripts and outbound call contexts in Table Storage (needs AddAgentOsStorage), and the
    /// background recorder that persists them off the hot path.
    /// </summary>
    public static IServiceCollection AddCalls(this IServiceCollection services)
    {
        services.TryAddSingleton<TableCallStore>();
        services.TryAddSingleton<ICallStore>(sp => sp.GetRequiredService<TableCallStore>());
        services.TryAddSingleton<ICallContextStore>(sp => sp.GetRequiredService<TableCallStore>());
        services.TryAddSingleton<ICallHistory>(sp => sp.GetRequiredService<TableCallStore>());
        services.AddOptions<CallRecorderOptions>().BindConfiguration(CallRecorderOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<BackgroundCallRecorder>();
        services.TryAddSingleton<ICallRecorder>(sp => sp.GetRequiredService<BackgroundCallRecorder>());
        services.AddHostedService(sp => sp.GetRequiredService<BackgroundCallRecorder>());
        return services;
    }

    /// <summary>
    /// Relay tickets (issued by the Functions app, checked by RelayHost): "RelayTickets" options, validated at start so
    /// a missing secret stops the app instead of every call.
    /// </summary>
    public static IServiceCollection AddRelayTickets(this IServiceCollection services)
    {
        services.AddOptions<RelayTicketOptions>().BindConfiguration(RelayTicketOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RelayTickets>();
        return services;
    }
}
