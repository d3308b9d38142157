namespace AgentOS.Voice.DevRunner;

/// <summary>The agent a local run starts with: scripted (no keys needed), with a DTMF menu, hand-off and a second language.</summary>
internal static class DemoAgent
{
    public static object Create() => new
    {
        id = LocalStack.AgentId,
        name = "Demo front desk",
        phoneNumber = LocalStack.AgentNumber,
        language = "en-US",
        otherLanguages = new[] { new { code = "es-ES" } },
        greeting = "Hi, this is the demo front desk. Ask me about opening hours or appointments, or press 0 for a person.",
        systemPrompt = "You are the front desk of a small clinic. Answer in one or two short sentences.",
        llm = new { provider = "scripted", model = "scripted" },
        transferNumber = "+15550000999",
        dtmfMenu = new Dictionary<string, object>
        {
            ["0"] = new { kind = "Handoff" },
            ["1"] = new { kind = "Say", text = "We are open Monday to Friday, nine to five." },
            ["9"] = new { kind = "End", text = "Thanks for calling. Goodbye!" },
        },
        script = new object[]
        {
            new { whenCallerSays = "hours", reply = "We are open Monday to Friday, from nine in the morning to five in the afternoon." },
            new { whenCallerSays = "appointment", reply = "I can help with that. Your next free slot is Friday at ten. Shall I book it?" },
            new { whenCallerSays = "yes", reply = "Done. You are booked for Friday at ten. Anything else?" },
            new { whenCallerSays = "person", reply = "Of course, connecting you to a person now.", tool = "handoff" },
            new { whenCallerSays = "human", reply = "Of course, connecting you to a person now.", tool = "handoff" },
            new { whenCallerSays = "spanish", reply = "Claro, seguimos en español.", tool = "switch_language:es-ES" },
            new { whenCallerSays = "bye", reply = "Thanks for calling. Goodbye!", tool = "end_call" },
            new { whenCallerSays = (string?)null, reply = "Sorry, I can help with opening hours and appointments. You can also ask for a person." },
        },
    };
}
