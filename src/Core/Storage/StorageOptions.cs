using System.ComponentModel.DataAnnotations;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using AgentOS.Voice.Hosting;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AgentOS.Voice.Storage;

/// <summary>
/// Azure Storage for state (tables), work (queues) and audio (blobs). Either a connection string (Azurite locally, or
/// one with a key) or service URIs reached with the app's managed identity in Azure.
/// </summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    /// <summary>Falls back to AzureWebJobsStorage, which the Functions host needs anyway.</summary>
    public string? ConnectionString { get; set; }

    public Uri? BlobServiceUri { get; set; }
    public Uri? QueueServiceUri { get; set; }
    public Uri? TableServiceUri { get; set; }

    /// <summary>Prefix for every table, queue and container name, so several environments or test runs can share one account.</summary>
    [RegularExpression("^([a-z][a-z0-9]{0,15})?$", ErrorMessage = "Storage:NamePrefix must be up to 16 lowercase letters or digits, starting with a letter (table names must).")]
    public string NamePrefix { get; set; } = string.Empty;

    /// <summary>
    /// One storage request's deadline (the SDK's own is 100 s). A frozen account accepts connections and never answers:
    /// with the SDK's default a webhook would wait minutes, long past Twilio's 15 s, before it could answer anything.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:40")]
    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries of one storage request by the SDK (its default is 3).</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 3;
}

public static class StorageServiceCollectionExtensions
{
    public static IServiceCollection AddAgentOsStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>()
            .Bind(configuration.GetSection(StorageOptions.SectionName))
            .PostConfigure(o => o.ConnectionString ??= configuration["AzureWebJobsStorage"])
            .ValidateDataAnnotations()
            .Validate(o => !string.IsNullOrWhiteSpace(o.ConnectionString) ||
                           (o.BlobServiceUri is not null && o.QueueServiceUri is not null && o.TableServiceUri is not null),
                "Storage needs Storage:ConnectionString (or AzureWebJobsStorage), or all three Storage:*ServiceUri settings.")
            .ValidateOnStart();

        services.AddSingleton(sp => Create(sp,
            o => new TableServiceClient(o.ConnectionString, Retry(new TableClientOptions(), o)),
            o => new TableServiceClient(o.TableServiceUri, new DefaultAzureCredential(), Retry(new TableClientOptions(), o))));
        services.AddSingleton(sp => Create(sp,
            o => new QueueServiceClient(o.ConnectionString, Retry(new QueueClientOptions(), o)),
            o => new QueueServiceClient(o.QueueServiceUri, new DefaultAzureCredential(), Retry(new QueueClientOptions(), o))));
        services.AddSingleton(sp => Create(sp,
            o => new BlobServiceClient(o.ConnectionString, Retry(new BlobClientOptions(), o)),
            o => new BlobServiceClient(o.BlobServiceUri, new DefaultAzureCredential(), Retry(new BlobClientOptions(), o))));
        services.AddHealthChecks().AddCheck<StorageHealthCheck>(StorageHealthCheck.Name, tags: [HealthTags.Ready]);
        return services;
    }

    /// <summary>
    /// Work a Twilio webhook could not write during a storage outage, retried in memory (<see cref="StorageRetryBuffer"/>).
    /// </summary>
    public static IServiceCollection AddStorageRetryBuffer(this IServiceCollection services)
    {
        services.AddOptions<StorageRetryOptions>().BindConfiguration(StorageRetryOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<StorageRetryBuffer>();
        services.AddHostedService(sp => sp.GetRequiredService<StorageRetryBuffer>());
        return services;
    }

    private static T Retry<T>(T clientOptions, StorageOptions options)
        where T : Azure.Core.ClientOptions
    {
        clientOptions.Retry.NetworkTimeout = options.NetworkTimeout;
        clientOptions.Retry.MaxRetries = options.MaxRetries;
        return clientOptions;
    }

    private static T Create<T>(IServiceProvider sp, Func<StorageOptions, T> withConnectionString, Func<StorageOptions, T> withIdentity)
    {
        var options = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
        return string.IsNullOrWhiteSpace(options.ConnectionString) ? withIdentity(options) : withConnectionString(options);
    }
}
