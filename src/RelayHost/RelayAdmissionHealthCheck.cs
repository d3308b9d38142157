using AgentOS.Voice.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AgentOS.Voice.RelayHost;

/// <summary>Readiness: a draining replica takes no new calls, so the load balancer should stop sending them.</summary>
internal sealed class RelayAdmissionHealthCheck(RelaySessionRegistry registry) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(registry.IsDraining
            ? HealthCheckResult.Unhealthy($"draining: {registry.LiveSessions} live sessions finishing, no new ones admitted")
            : HealthCheckResult.Healthy($"{registry.LiveSessions} live sessions"));

    public static void Register(IServiceCollection services) =>
        services.AddHealthChecks().AddCheck<RelayAdmissionHealthCheck>("relay-admission", tags: [HealthTags.Ready]);
}
