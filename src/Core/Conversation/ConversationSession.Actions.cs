using AgentOS.Voice.Agents;
using AgentOS.Voice.Calls;

namespace AgentOS.Voice.Conversation;

/// <summary>Keypad menu, hand-off and ending the call.</summary>
public sealed partial class ConversationSession
{
    private async Task HandleKeyAsync(string key)
    {
        if (!_agent.DtmfMenu.TryGetValue(key, out var action))
        {
            await HandleAsync(new CallerSaid($"(The caller pressed {key} on the keypad.)"));
            return;
        }

        await CancelGenerationAsync(heardText: null);
        AddTurn(TurnRole.Caller, $"(pressed {key})");
        switch (action.Kind)
        {
            case DtmfActionKind.Handoff:
                await HandOffAsync($"caller pressed {key}");
                break;
            case DtmfActionKind.Say:
                await SayWholeAsync(action.Text ?? _options.FallbackText);
                break;
            case DtmfActionKind.End:
                await EndCallAsync(action.Text ?? _options.GoodbyeText);
                break;
        }
    }

    private async Task SayWholeAsync(string text)
    {
        await SendAsync(null, (o, ct) => o.SayAsync(text, last: true, ct));
        AddSpoken(text);
        AddTurn(TurnRole.Agent, text);
    }

    private async Task HandOffAsync(string reason)
    {
        if (string.IsNullOrWhiteSpace(_agent.TransferNumber))
        {
            await SayWholeAsync(_options.NoHandoffText);
            return;
        }

        await SayWholeAsync(_options.HandoffText);
        var data = HandoffJson(reason);
        await SendAsync(null, (o, ct) => o.EndAsync(data, ct));
        Finish(CallEndReasons.HandedOff, data);
    }

    private async Task EndCallAsync(string goodbye)
    {
        await SayWholeAsync(goodbye);
        await SendAsync(null, (o, ct) => o.EndAsync(null, ct));
        Finish(CallEndReasons.AgentEnded, handoffData: null);
    }

    internal ConversationOptions Options => _options;

    internal TimeProvider Time => _time;

    internal Agent AgentRecord => _agent;

    internal IAgentToolClient? ToolClient => _toolClient;

    internal AgentTool? AgentTool(string name)
    {
        foreach (var tool in _agent.Tools)
        {
            if (tool.Name == name)
            {
                return tool;
            }
        }

        return null;
    }

    /// <summary>The agent's own language or one of its others; with none configured any language is allowed.</summary>
    internal bool Speaks(string language) =>
        _agent.OtherLanguages.Count == 0 ||
        string.Equals(language, _agent.Language, StringComparison.OrdinalIgnoreCase) ||
        _agent.OtherLanguages.Any(l => string.Equals(l.Code, language, StringComparison.OrdinalIgnoreCase));

    internal bool CanHandOff => !string.IsNullOrWhiteSpace(_agent.TransferNumber);

    internal string HandoffJson(string reason) => new HandoffData(HandoffData.LiveAgentHandoff, reason, _call.CallId, _agent.Id).ToJson();

    /// <summary>
    /// Ends the call from inside generation <paramref name="g"/> (a tool asked): finishes the answer with
    /// <paramref name="say"/> and last:true, then sends end. False when the generation was cancelled first.
    /// </summary>
    internal async Task<bool> EndFromGenerationAsync(Generation g, string? say, string reason, string? handoffData)
    {
        if (!string.IsNullOrEmpty(say) && !await EmitAsync(g, say, last: false))
        {
            return false;
        }

        if (!await EmitAsync(g, string.Empty, last: true) || !await SendAsync(g, (o, ct) => o.EndAsync(handoffData, ct)))
        {
            return false;
        }

        g.Ended = true;
        Finish(reason, handoffData);
        return true;
    }
}
