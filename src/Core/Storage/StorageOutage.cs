using System.Net.Sockets;
using Azure;

namespace AgentOS.Voice.Storage;

/// <summary>
/// Tells a storage outage (the account unreachable, frozen or overloaded: worth answering "try again later" and
/// retrying the work) from a request storage refused for what it is (404, 409, 412, 400: retrying changes nothing).
/// </summary>
public static class StorageOutage
{
    /// <summary>
    /// True for transport failures (status 0), 408, 429 and 5xx from storage, connection and timeout errors, the
    /// SDK's "retry failed" aggregate of those, and a cancellation that <paramref name="callerToken"/> did not ask for
    /// (a deadline of our own, or the SDK's network timeout).
    /// </summary>
    public static bool IsOutage(Exception e, CancellationToken callerToken = default) => e switch
    {
        RequestFailedException r => r.Status is 0 or 408 or 429 or >= 500,
        AggregateException a => a.InnerExceptions.Count > 0 && a.InnerExceptions.All(i => IsOutage(i, callerToken)),
        OperationCanceledException => !callerToken.IsCancellationRequested,
        HttpRequestException or TimeoutException or SocketException or IOException => true,
        _ => false,
    };
}
