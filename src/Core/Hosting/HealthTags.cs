namespace AgentOS.Voice.Hosting;

/// <summary>Tags of health checks.</summary>
public static class HealthTags
{
    /// <summary>The check decides readiness (/readyz), never liveness.</summary>
    public const string Ready = "ready";
}
