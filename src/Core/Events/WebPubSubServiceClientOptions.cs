using System.Text.RegularExpressions;

namespace AgentOS.Voice.Events;

/// <summary>
/// Where the Web PubSub service is and how we prove who we are: an access key (HS256 tokens we sign) when a connection
/// string is configured, otherwise Microsoft Entra ID (the managed identity in Azure).
/// </summary>
public sealed partial class WebPubSubServiceClientOptions
{
    public const string ApiVersion = "2024-12-01";

    /// <summary>https://&lt;name&gt;.webpubsub.azure.com, or http://127.0.0.1:port for the local stand-in; no trailing slash.</summary>
    public required Uri Endpoint { get; init; }

    /// <summary>Null: authenticate with Microsoft Entra ID.</summary>
    public string? AccessKey { get; init; }

    public required string Hub { get; init; }

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_`,.\[\]]{0,127}\z")]
    private static partial Regex HubName();

    /// <summary>
    /// Parses <c>Endpoint=…;AccessKey=…;Version=1.0;</c> (optional <c>Port=</c>), as the portal shows it.
    /// Throws <see cref="FormatException"/> naming what is wrong, never echoing the key.
    /// </summary>
    public static WebPubSubServiceClientOptions FromConnectionString(string connectionString, string hub)
    {
        var parts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=');
            if (equals <= 0)
            {
                throw new FormatException("A Web PubSub connection string is Endpoint=…;AccessKey=…;Version=1.0; and this one has a part without '='.");
            }

            parts[part[..equals]] = part[(equals + 1)..];
        }

        if (!parts.TryGetValue("Endpoint", out var endpoint) || !parts.TryGetValue("AccessKey", out var key) || key.Length == 0)
        {
            throw new FormatException("A Web PubSub connection string needs Endpoint= and AccessKey=.");
        }

        if (parts.TryGetValue("Version", out var version) && version != "1.0")
        {
            throw new FormatException($"Web PubSub connection string Version={version} is not supported; only 1.0 is.");
        }

        var uri = ParseEndpoint(endpoint);
        if (parts.TryGetValue("Port", out var port))
        {
            if (!int.TryParse(port, out var number) || number is < 1 or > 65535)
            {
                throw new FormatException($"Web PubSub connection string Port={port} is not a port number.");
            }

            uri = new UriBuilder(uri) { Port = number }.Uri;
        }

        return Create(uri, key, hub);
    }

    /// <summary>Endpoint only: tokens come from Microsoft Entra ID.</summary>
    public static WebPubSubServiceClientOptions FromEndpoint(string endpoint, string hub) => Create(ParseEndpoint(endpoint), null, hub);

    private static WebPubSubServiceClientOptions Create(Uri endpoint, string? key, string hub)
    {
        if (!HubName().IsMatch(hub))
        {
            throw new FormatException($"'{hub}' is not a Web PubSub hub name: a letter, then up to 127 letters, digits or _`,.[]");
        }

        return new WebPubSubServiceClientOptions { Endpoint = endpoint, AccessKey = key, Hub = hub };
    }

    private static Uri ParseEndpoint(string endpoint)
    {
        if (!Uri.TryCreate(endpoint.TrimEnd('/'), UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http")
            || !string.IsNullOrEmpty(uri.Query) || uri.AbsolutePath != "/")
        {
            throw new FormatException($"The Web PubSub endpoint '{endpoint}' is not an http(s) URL without path or query, e.g. https://name.webpubsub.azure.com.");
        }

        return uri;
    }

    /// <summary>The endpoint as a string with no trailing slash, the base of every URL and token audience.</summary>
    internal string Base => Endpoint.GetLeftPart(UriPartial.Authority);
}
