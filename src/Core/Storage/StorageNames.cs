using Azure.Data.Tables;
using Azure.Storage.Queues;

namespace AgentOS.Voice.Storage;

/// <summary>Applies <see cref="StorageOptions.NamePrefix"/> so every environment or test run sharing an account gets its own names.</summary>
public static class StorageNames
{
    /// <summary>The table, queue or container name with the configured prefix.</summary>
    public static string Prefixed(this StorageOptions options, string name) => options.NamePrefix + name;

    /// <summary>The queue a queue function reads after <c>maxDequeueCount</c> failed attempts (the host's convention).</summary>
    public static string PoisonQueueName(string queueName) => queueName + "-poison";

    public static TableClient GetPrefixedTableClient(this TableServiceClient service, StorageOptions options, string tableName) =>
        service.GetTableClient(options.Prefixed(tableName));

    public static QueueClient GetPrefixedQueueClient(this QueueServiceClient service, StorageOptions options, string queueName) =>
        service.GetQueueClient(options.Prefixed(queueName));
}
