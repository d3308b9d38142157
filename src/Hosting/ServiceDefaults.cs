using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace AgentOS.Voice.Hosting;

/// <summary>
/// What every deployable shares: telemetry, health checks, the clock, and the standard resilience handler on every
/// HttpClient (retries with backoff, timeouts, circuit breaker).
/// </summary>
public static class ServiceDefaults
{
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHealthChecks();
        builder.Services.AddHttpClient();
        builder.Services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler());

        var telemetry = builder.Services.AddOpenTelemetry()
            .WithTracing(tracing => tracing
                .AddSource(VoiceTelemetry.ActivitySourceName)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation())
            .WithMetrics(metrics => metrics
                .AddMeter(VoiceTelemetry.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation())
            // Logs go through OpenTelemetry too, so each carries the trace and span of the call it was written in.
            .WithLogging(configureBuilder: null, configureOptions: logging =>
            {
                logging.IncludeFormattedMessage = true;
                logging.IncludeScopes = true;
            });

        // Exported only when Application Insights is configured (Azure): traces, metrics and logs alike. Locally
        // telemetry stays in-process (tests read it with the in-memory exporter).
        var appInsights = builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"];
        if (!string.IsNullOrWhiteSpace(appInsights))
        {
            telemetry.UseAzureMonitorExporter(o => o.ConnectionString = appInsights);
        }

        return builder;
    }

    /// <summary>
    /// Liveness at /healthz: the process answers, nothing else, so a dependency's outage never restarts a replica
    /// holding live calls. Readiness at /readyz: every check tagged <see cref="HealthTags.Ready"/> (storage reachable,
    /// a relay not draining); a replica that fails it is taken out of the load balancer's rotation.
    /// </summary>
    public static IEndpointRouteBuilder MapDefaultEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        endpoints.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(HealthTags.Ready) });
        return endpoints;
    }
}
