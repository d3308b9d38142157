using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentOS.Voice.Twilio.Webhooks;

public static class TwilioSignatureServiceCollectionExtensions
{
    /// <summary>
    /// Twilio's options and client (AddTwilio) and the <see cref="TwilioRequestValidator"/> an app checks Twilio's
    /// webhooks and upgrades with. Signature checks are always on: there is deliberately no switch to turn them off.
    /// </summary>
    public static IServiceCollection AddTwilioSignatureChecks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddTwilio(configuration);
        services.TryAddSingleton<TwilioRequestValidator>();
        return services;
    }
}
