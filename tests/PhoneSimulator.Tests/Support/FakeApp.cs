using System.Collections.Concurrent;
using System.Net;
using AgentOS.Voice.TestSupport;
using AgentOS.Voice.Twilio;
using AgentOS.Voice.Twilio.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentOS.Voice.Simulator.Tests.Support;

/// <summary>A request the simulator made to the app, and whether its Twilio signature checked out.</summary>
public sealed record AppRequest(string Method, string Path, string Url, IReadOnlyDictionary<string, string> Form, bool SignatureValid)
{
    public string this[string name] => Form[name];
}

/// <summary>
/// Stands in for our app on Kestrel: serves TwiML per path, serves audio, records every request and validates every
/// signature the way the product does, and hosts a scripted ConversationRelay agent socket.
/// </summary>
public sealed class FakeApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<AppRequest> _requests = new();
    private readonly ConcurrentDictionary<string, Func<AppRequest, string>> _twiml = new(StringComparer.Ordinal);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FakeApp(WebApplication app, string authToken, RelayAgent relay)
    {
        _app = app;
        AuthToken = authToken;
        Relay = relay;
    }

    public string AuthToken { get; }
    public string BaseUrl { get; private init; } = "";
    public string WsBaseUrl => "ws" + BaseUrl["http".Length..];
    public RelayAgent Relay { get; }
    public IReadOnlyList<AppRequest> Requests => _requests.ToArray();

    public static async Task<FakeApp> StartAsync(string authToken)
    {
        var relay = new RelayAgent(authToken);
        FakeApp? fake = null;
        var app = await LoopbackApp.StartAsync(a =>
        {
            a.UseWebSockets();
            a.Map("/relay/{mode}", relay.HandleAsync);
            a.MapGet("/audio/tone.wav", () => Results.Bytes(SoxTone.MuLawWav.Value, "audio/wav"));
            a.MapGet("/audio/page.wav", () => Results.Content("<html><body>Not found</body></html>", "text/html"));
            a.Map("/{**path}", (Func<HttpContext, Task<IResult>>)(c => fake!.HandleAsync(c)));
        });
        return fake = new FakeApp(app, authToken, relay) { BaseUrl = app.BaseUrl() };
    }

    /// <summary>Serves TwiML at a path (relative to the app's base).</summary>
    public void Serve(string path, string twiml) => _twiml[path] = _ => twiml;

    public void Serve(string path, Func<AppRequest, string> twiml) => _twiml[path] = twiml;

    public string Url(string path) => BaseUrl + path;

    public IReadOnlyList<AppRequest> RequestsTo(string path) => Requests.Where(r => r.Path == path).ToList();

    public async Task<AppRequest> WaitForRequestAsync(string path, TimeSpan? timeout = null, Func<AppRequest, bool>? where = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var changed = Volatile.Read(ref _changed).Task;
            if (Requests.FirstOrDefault(r => r.Path == path && (where?.Invoke(r) ?? true)) is { } found)
            {
                return found;
            }

            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No request to {path}; saw: {string.Join(", ", Requests.Select(r => r.Path))}");
            }
        }
    }

    private async Task<IResult> HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var url = TwilioRequestUrl.Rebuild(request, null);
        var form = new Dictionary<string, string>(StringComparer.Ordinal);
        List<KeyValuePair<string, string>>? signedParameters = null;
        if (request.HasFormContentType)
        {
            var body = await request.ReadFormAsync();
            signedParameters = [];
            foreach (var (name, values) in body)
            {
                form[name] = values.ToString();
                signedParameters.AddRange(values.Select(v => new KeyValuePair<string, string>(name, v ?? "")));
            }
        }

        foreach (var (name, values) in request.Query)
        {
            form[name] = values.ToString();
        }

        var valid = signedParameters is null
            ? TwilioSignatureCheck.IsValidUrl(AuthToken, url, request.Headers[TwilioSignatureCheck.HeaderName])
            : TwilioSignatureCheck.IsValidForm(AuthToken, url, signedParameters, request.Headers[TwilioSignatureCheck.HeaderName]);
        var recorded = new AppRequest(request.Method, request.Path.Value ?? "", url, form, valid);
        _requests.Enqueue(recorded);
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        if (!valid)
        {
            return Results.StatusCode(403);
        }

        return _twiml.TryGetValue(recorded.Path, out var twiml)
            ? Results.Content(twiml(recorded), "application/xml")
            : Results.NoContent();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
