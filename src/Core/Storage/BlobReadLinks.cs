using Azure.Storage.Blobs;
using Azure.Storage.Sas;

namespace AgentOS.Voice.Storage;

/// <summary>Read-only links to private blobs that expire: how anything outside the account gets one blob, never a public container.</summary>
public static class BlobReadLinks
{
    /// <summary>
    /// A read-only SAS URL for <paramref name="blob"/> valid until <paramref name="expires"/>: signed with the account key
    /// when the connection string has one, else with a user-delegation key (managed identity).
    /// </summary>
    public static async Task<Uri> CreateAsync(BlobServiceClient blobs, BlobClient blob, DateTimeOffset now, DateTimeOffset expires, CancellationToken cancellationToken)
    {
        if (blob.CanGenerateSasUri)
        {
            return blob.GenerateSasUri(BlobSasPermissions.Read, expires);
        }

        // Starts a little early: the reader's clock and ours may differ.
        var key = await blobs.GetUserDelegationKeyAsync(now.AddMinutes(-5), expires, cancellationToken).ConfigureAwait(false);
        var sas = new BlobSasBuilder(BlobSasPermissions.Read, expires)
        {
            BlobContainerName = blob.BlobContainerName,
            BlobName = blob.Name,
            Resource = "b",
            StartsOn = now.AddMinutes(-5),
        };
        return new BlobUriBuilder(blob.Uri) { Sas = sas.ToSasQueryParameters(key.Value, blobs.AccountName) }.ToUri();
    }
}
