using AgentOS.Voice.Hosting;
using Azure.Storage.Queues.Models;

namespace AgentOS.Voice.Functions.Hosting;

/// <summary>Records how long a queue message waited before a worker took it (<see cref="VoiceTelemetry.QueueAge"/>).</summary>
public static class QueueAge
{
    /// <summary>
    /// From insertion to now. It includes any visibility delay the producer asked for (a scheduled message re-queued
    /// until due, an outcome request's delay), so a long age with such messages is not by itself a backlog.
    /// </summary>
    public static void Record(QueueMessage message, string queue, TimeProvider time)
    {
        if (message.InsertedOn is { } inserted)
        {
            VoiceTelemetry.QueueAge.Record(Math.Max(0, (time.GetUtcNow() - inserted).TotalSeconds), new KeyValuePair<string, object?>("queue", queue));
        }
    }
}
