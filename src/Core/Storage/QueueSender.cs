using System.Collections.Concurrent;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Storage;

/// <summary>
/// Puts work on a queue that a queue function reads: applies the name prefix, creates the queue on first use and
/// encodes the message the way the trigger expects (<see cref="QueueTriggerEncoding"/>).
/// </summary>
public sealed class QueueSender(QueueServiceClient queues, IOptions<StorageOptions> options)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<QueueClient>>> _clients = new(StringComparer.Ordinal);

    /// <param name="queueName">The queue's name without the prefix, as in the function's function.json.</param>
    public async Task<SendReceipt> SendAsync(
        string queueName,
        string text,
        TimeSpan? initialVisibilityDelay = null,
        CancellationToken cancellationToken = default,
        TimeSpan? timeToLive = null)
    {
        var queue = await GetQueueAsync(queueName);
        var receipt = await queue.SendEncodedAsync(text, initialVisibilityDelay, timeToLive, cancellationToken);
        return receipt.Value;
    }

    private async Task<QueueClient> GetQueueAsync(string queueName)
    {
        var lazy = _clients.GetOrAdd(queueName, name => new Lazy<Task<QueueClient>>(async () =>
        {
            var client = queues.GetPrefixedQueueClient(options.Value, name);
            await client.CreateIfNotExistsAsync();
            return client;
        }));

        try
        {
            return await lazy.Value;
        }
        catch
        {
            // A failed creation (storage briefly unreachable) must not stick: the next send tries again.
            _clients.TryRemove(KeyValuePair.Create(queueName, lazy));
            throw;
        }
    }
}

public static class QueueSenderServiceCollectionExtensions
{
    /// <summary>Registers <see cref="QueueSender"/>; needs <c>AddAgentOsStorage</c>.</summary>
    public static IServiceCollection AddQueueSender(this IServiceCollection services)
    {
        services.TryAddSingleton<QueueSender>();
        return services;
    }
}
