using System.Globalization;
using System.Net.WebSockets;
using System.Xml.Linq;
using AgentOS.Voice.Simulator.Relay;

namespace AgentOS.Voice.Simulator.Calls;

internal sealed record RelaySessionOutcome(bool CallerHungUp, List<KeyValuePair<string, string>> ActionParameters);

/// <summary>Plays Twilio's part of &lt;Connect&gt;&lt;ConversationRelay&gt;: opens the signed socket and lets the callee's script talk.</summary>
internal sealed class RelayConnector(SimulatorContext context, SimulatedCall call, NumberBehavior callee)
{
    public async Task<RelaySessionOutcome> RunAsync(XElement relay, CancellationToken token)
    {
        var url = TwimlExecutor.Attr(relay, "url") ?? "";
        var customParameters = relay.Elements()
            .Where(e => e.Name.LocalName == "Parameter" && TwimlExecutor.Attr(e, "name") is not null)
            .GroupBy(e => TwimlExecutor.Attr(e, "name")!)
            .ToDictionary(g => g.Key, g => TwimlExecutor.Attr(g.Last(), "value") ?? "");
        var sessionId = RelaySetup.NewSessionId();
        call.Log(new VerbExecuted("Connect", $"ConversationRelay {url} welcomeGreeting=\"{TwimlExecutor.Attr(relay, "welcomeGreeting")}\""));
        var started = context.Options.TimeProvider.GetTimestamp();

        string status;
        string? errorCode = null, errorMessage = null;
        CallerResult? transcript = null;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("ws" or "wss"))
        {
            (status, errorCode, errorMessage) = ("failed", "64102", $"ConversationRelay url '{url}' is not a ws:// or wss:// URL");
        }
        else
        {
            try
            {
                await using var caller = await ConversationRelayCaller.ConnectAsync(url, context.Options.AuthToken, null, token);
                caller.PartialPrompts = string.Equals(TwimlExecutor.Attr(relay, "partialPrompts"), "true", StringComparison.OrdinalIgnoreCase);
                transcript = caller.Result;
                var inbound = call.Direction == "inbound";
                await caller.SendSetupAsync(new RelaySetup(
                    sessionId, call.AccountSid, call.Sid, call.From, call.To, inbound ? "inbound" : "outbound",
                    inbound ? "RINGING" : "IN-PROGRESS", customParameters), token);
                await caller.RunAsync(Script(), token);
                (status, errorCode, errorMessage) = caller.Result switch
                {
                    { EndedByAgent: true } => ("ended", null, null),
                    { CallerHungUp: true } => ("completed", null, null),
                    var lost => ("failed", "64105", $"WebSocket ended: {lost.Error ?? "closed by the server without an end message"}"),
                };
            }
            catch (WebSocketException ex)
            {
                (status, errorCode, errorMessage) = ("failed", "64102", $"Unable to connect to WebSocket URL: {ex.Message}");
            }
        }

        var duration = context.SimulatedSeconds(context.Options.TimeProvider.GetElapsedTime(started));
        call.Log(new RelaySessionEnded(url, sessionId, status, duration, transcript?.HandoffData, errorCode, errorMessage, customParameters, transcript));
        List<KeyValuePair<string, string>> parameters =
        [
            new("SessionId", sessionId),
            new("SessionStatus", status),
            new("SessionDuration", duration.ToString(CultureInfo.InvariantCulture)),
        ];
        if (transcript?.HandoffData is { } handoff)
        {
            parameters.Add(new("HandoffData", handoff));
        }

        if (errorCode is not null)
        {
            parameters.Add(new("ErrorCode", errorCode));
            parameters.Add(new("ErrorMessage", errorMessage!));
        }

        return new RelaySessionOutcome(status == "completed", parameters);
    }

    // A callee without a script stays on the line silently until the agent ends the session or the socket goes.
    private CallerScript Script() =>
        call.Script ?? callee.Script ?? new CallerScript().Custom((caller, ct) => caller.SessionOver.WaitAsync(ct));
}
